"""The course's late-submission policy, as an nbgrader ``LateSubmissionPlugin``.

nbgrader's ``AssignLatePenalties`` preprocessor (part of ``autograde``) asks its plugin for
a penalty when a submission's time (its ``timestamp.txt``) is after the assignment's due
date. nbgrader's own plugin knows only "none" and "zero"; :class:`LatePenalty` takes off a
share of the score per started day late, the whole score after a number of days, and first
applies the student's extension (``extensions.csv``, kept in the gradebook by
``python -m grader assignments sync``). Configured in ``nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "grader.late.LatePenalty"
    c.LatePenalty.per_day = 0.10        # 10 % of the score per day, or part of a day, late
    c.LatePenalty.zero_after_days = 7   # more than 7 days late: the whole score
    c.LatePenalty.grace_minutes = 0     # minutes after the due date still counted on time

:func:`penalty_fraction` is the policy as a pure function.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

__all__ = ["LatePenalty", "penalty_fraction", "policy_from_config", "SECONDS_PER_DAY"]

SECONDS_PER_DAY = 86400.0


def penalty_fraction(seconds_late: float, *, per_day: float = 0.10, zero_after_days: float = 7.0,
                     grace_minutes: float = 0.0) -> float:
    """The share of the score a submission ``seconds_late`` after its due date loses.

    Parameters
    ----------
    seconds_late : float
        Seconds after the (student's) due date; <= 0 is on time.
    per_day : float
        Share lost per started day late (0.10: 1 minute late loses 10 %, 1 day and 1 minute 20 %).
    zero_after_days : float
        More days late than this: the whole score (1.0).
    grace_minutes : float
        Minutes after the due date still counted on time (the clock of a laptop, a slow upload).

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        If ``per_day`` is not in [0, 1] or ``zero_after_days`` or ``grace_minutes`` is negative.
    """
    if not 0.0 <= per_day <= 1.0:
        raise ValueError(f"per_day must be in [0, 1], not {per_day}")
    if zero_after_days < 0 or grace_minutes < 0:
        raise ValueError("zero_after_days and grace_minutes must be >= 0")
    if seconds_late <= grace_minutes * 60.0:
        return 0.0
    days = seconds_late / SECONDS_PER_DAY
    if days > zero_after_days:
        return 1.0
    return min(1.0, per_day * math.ceil(days))


class LatePenalty(LateSubmissionPlugin):
    """A share of the score per started day late, the whole score after a week; extensions first.

    Subclass of nbgrader's ``LateSubmissionPlugin`` (``c.AssignLatePenalties.plugin_class``).
    nbgrader gives the plugin how late the submission is against the assignment's due date;
    this plugin subtracts the student's extension (:func:`grader.assignments.extension_days`,
    read from the gradebook through the preprocessor that owns it) and applies
    :func:`penalty_fraction` to the notebook's score at autograde time (the autograded part:
    written answers are scored by a TA later and not penalised). nbgrader stores the result
    as the notebook's ``late_submission_penalty`` (at most the score).
    """

    per_day = Float(0.10, help="Share of the score lost per day, or part of a day, late (0.10 = 10 %).").tag(config=True)
    zero_after_days = Float(7.0, help="More days late than this: the whole score is lost.").tag(config=True)
    grace_minutes = Float(0.0, help="Minutes after the due date still counted on time.").tag(config=True)

    def _extension_seconds(self, student_id: str) -> float:
        owner = self.parent
        gradebook = getattr(owner, "gradebook", None)
        assignment = getattr(owner, "assignment_id", None)
        if gradebook is None or assignment is None:
            return 0.0
        from grader.assignments import extension_days

        return extension_days(gradebook.db, assignment, student_id) * SECONDS_PER_DAY

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        """The points ``student_id`` loses on a notebook scored ``score``, ``total_seconds_late`` late.

        Parameters
        ----------
        student_id : str
            The student.
        score : float
            The notebook's score at autograde time.
        total_seconds_late : float
            Seconds after the assignment's due date (nbgrader's measure, before extensions).

        Returns
        -------
        float or None
            The penalty in points; ``None`` (no penalty) when the extension covers the delay.
        """
        late = float(total_seconds_late) - self._extension_seconds(student_id)
        share = penalty_fraction(late, per_day=self.per_day, zero_after_days=self.zero_after_days,
                                 grace_minutes=self.grace_minutes)
        self.log.info("late policy: %s is %.2f days late after extensions: %.0f %% of %s", student_id,
                      max(late, 0.0) / SECONDS_PER_DAY, 100 * share, score)
        if share == 0.0:
            return None
        return float(score) * share


def policy_from_config(config):
    """The course's late policy as ``seconds_late -> share``, from an nbgrader config.

    Parameters
    ----------
    config : traitlets.config.Config
        The course's configuration (:func:`grader.course.load_config`).

    Returns
    -------
    callable or None
        :func:`penalty_fraction` with the config's ``c.LatePenalty`` settings (the class's
        defaults where unset); ``None`` when ``c.AssignLatePenalties.plugin_class`` is not
        :class:`LatePenalty` (another policy: nothing to compare with).
    """
    import functools

    plugin = config.AssignLatePenalties.get("plugin_class", None) if "AssignLatePenalties" in config else None
    name = plugin if isinstance(plugin, str) else getattr(plugin, "__module__", "") + "." + getattr(plugin, "__name__", "")
    if name != "grader.late.LatePenalty":
        return None
    settings = config.LatePenalty if "LatePenalty" in config else {}
    traits = LatePenalty.class_traits()
    kwargs = {key: float(settings.get(key, traits[key].default_value))
              for key in ("per_day", "zero_after_days", "grace_minutes")}
    return functools.partial(penalty_fraction, **kwargs)
