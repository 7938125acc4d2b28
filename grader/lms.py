"""LMS downloads: ``nbgrader zip_collect`` for the zip Canvas's "Download Submissions" gives.

Canvas names every file of that zip ``<name>_<user id>_<file id>_<original name>``
(``<name>_LATE_<user id>_...`` when Canvas counts it late; ``anon_<id>`` instead of the
user id under anonymous grading), where ``<name>`` is the student's sortable name in lower
case without punctuation and the original name may carry Canvas's ``-1``, ``-2`` ... for a
file uploaded again. :class:`CanvasCollector` (a ``FileNameCollectorPlugin``) reads these
names, maps the Canvas user id to the course's student id through the roster and names the
collected file after the assignment's notebook, so that::

    nbgrader zip_collect 01-perceptron

puts ``downloaded/01-perceptron/archive/*.zip`` into
``submitted/<student id>/01-perceptron/01-perceptron.ipynb`` (with ``timestamp.txt``, see
below). Configured in ``nbgrader_config.py``::

    c.ZipCollectApp.collector_plugin = "grader.lms.CanvasCollector"
    c.CanvasCollector.zip_times = "auto"      # "trust" / "ignore": see below
    c.CanvasCollector.zip_timezone = "UTC"    # the zone of a zip member's DOS time

Timestamps. nbgrader's extractor unpacks the zip without its members' times (the extracted
files carry the extraction time), so :class:`CanvasCollector` reads each member's time from
the archive itself: the exact UTC time of an "extended timestamp" field where the member
has one, else the zip's DOS time read in ``zip_timezone``. nbgrader's ``ZipCollectApp``
keeps each student's newest time and writes it to ``submitted/<student>/<assignment>/
timestamp.txt`` (no ``.grader-timestamp`` beside it: a collected time, never rewritten by
the grader). Canvas itself stamps the members of its zip with the time it built the zip,
not the hand-in time (its ``ContentZipper`` adds every file with the current time), so with
``zip_times = "auto"`` (the default) the times of a zip whose members were all stamped
within ``build_seconds`` of one another, in archive order, are not used (the log says so,
naming the zip): no trustworthy time, no timestamp from the zip. ``"trust"`` always uses
them (a zip made from files that kept their own times), ``"ignore"`` never.

The name parser (:func:`parse_canvas_name`) and the notebook matching
(:func:`match_notebook`) are pure functions.
"""

from __future__ import annotations

import datetime
import os
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import Enum, Float, Unicode

__all__ = ["CanvasName", "CanvasCollector", "LmsNameError", "match_notebook", "parse_canvas_name",
           "zip_member_time", "TIMESTAMP_FORMAT"]

#: nbgrader's timestamp format (``nbgrader collect`` writes it; ``parse_utc`` reads it).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"

# <name>_[LATE_]<user id>_<file id>_<original>; the name may be absent (older anonymous
# downloads). Canvas's sortable name is made of word characters (underscores kept; "_<digits>_"
# removed by Canvas so the ids stay recognisable).
_NAMED = re.compile(r"^(?:(?P<name>\w+?)_)??(?:(?P<late>late)_)?(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)$",
                    re.IGNORECASE)
_ANONYMOUS = re.compile(r"^(?:\w+?_)??(?:late_)?anon_(?P<anon>[^_]+)_(?P<attachment>\d+)_(?P<file>.+)$",
                        re.IGNORECASE)
# Canvas's "-1", "-2" for a file uploaded again; a browser's " (1)"
_COPY_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:-\d+|\s*\(\d+\))$")


class LmsNameError(ValueError):
    """Raised for a file name that is not a Canvas submission download name (the message says why)."""


@dataclass(frozen=True)
class CanvasName:
    """The parts of a Canvas submission download name.

    Attributes
    ----------
    name : str
        The student's name as Canvas wrote it (lower case, no punctuation); ``""`` if absent.
    late : bool
        Canvas marked the submission late (``_LATE_`` in the name).
    user_id : str
        The Canvas user id (digits).
    attachment_id : str
        The Canvas id of the uploaded file.
    original : str
        The file name the student uploaded (as Canvas kept it, ``-1`` suffix included).
    """

    name: str
    late: bool
    user_id: str
    attachment_id: str
    original: str


def parse_canvas_name(filename: str) -> CanvasName:
    """Split a Canvas "Download Submissions" file name into its parts.

    Parameters
    ----------
    filename : str
        A file name (a path is reduced to its last part), e.g.
        ``smithjane_12345_67890_01-perceptron.ipynb`` or
        ``smithjane_LATE_12345_67890_01-perceptron-1.ipynb`` (``late`` in any case).

    Returns
    -------
    CanvasName

    Raises
    ------
    LmsNameError
        If the name is not ``<name>_[LATE_]<user id>_<file id>_<original name>`` with numeric
        ids and a non-empty original name, or if it is an anonymous-grading name
        (``anon_<id>``), which names no Canvas user.
    """
    base = os.path.basename(str(filename))
    anonymous = _ANONYMOUS.match(base)
    if anonymous:
        raise LmsNameError(f"{base}: an anonymous-grading download (anon_{anonymous['anon']}) names no Canvas "
                           "user: turn anonymous grading off in Canvas, or hand-copy this file to "
                           "submitted/<student>/<assignment>/")
    match = _NAMED.match(base)
    if not match:
        raise LmsNameError(f"{base}: not a Canvas submission name (<name>_[LATE_]<user id>_<file id>_<file name>, "
                           "the ids made of digits)")
    original = match["file"]
    stem = original[:-len(".ipynb")] if original.lower().endswith(".ipynb") else os.path.splitext(original)[0]
    if not stem.strip(" ._-"):
        raise LmsNameError(f"{base}: the uploaded file's own name is empty")
    return CanvasName(name=match["name"] or "", late=bool(match["late"]), user_id=match["user"],
                      attachment_id=match["attachment"], original=original)


def _norm(stem: str) -> str:
    """Lower case, runs of spaces, dots, dashes and underscores as one dash."""
    return re.sub(r"[\s._\-]+", "-", stem.lower()).strip("-")


def match_notebook(original: str, expected: list[str]) -> str | None:
    """The assignment's notebook an uploaded file name stands for.

    Parameters
    ----------
    original : str
        The uploaded file's name (``CanvasName.original``), e.g. ``01-Perceptron-1.ipynb``.
    expected : list of str
        The assignment's notebook names (:func:`grader.discovery.expected_notebooks`).

    Returns
    -------
    str or None
        The expected name matched case-insensitively, with spaces, dots, dashes and
        underscores counted alike (``01_perceptron`` is ``01-perceptron``), first as it is,
        then without Canvas's resubmission suffix ``-1``, ``-2`` ... (or a browser's
        `` (1)``); ``None`` for a non-notebook or when nothing matches.
    """
    if not original.lower().endswith(".ipynb"):
        return None
    table = {_norm(name[:-len(".ipynb")]): name for name in expected}
    stem = original[:-len(".ipynb")].strip()
    while True:
        key = _norm(stem)
        if key in table:
            return table[key]
        copy = _COPY_SUFFIX.match(stem.rstrip())
        if not copy:
            return None
        stem = copy["stem"].rstrip()


def _extended_mtime(extra: bytes) -> int | None:
    """The modification time of an "extended timestamp" extra field (0x5455), POSIX seconds, or None."""
    i = 0
    while i + 4 <= len(extra):
        header, size = struct.unpack("<HH", extra[i:i + 4])
        data = extra[i + 4:i + 4 + size]
        if header == 0x5455 and len(data) >= 5 and data[0] & 1:
            return struct.unpack("<i", data[1:5])[0]
        i += 4 + size
    return None


def zip_member_time(info: zipfile.ZipInfo, timezone: datetime.tzinfo) -> datetime.datetime:
    """The time a zip member was stamped with, in UTC.

    Parameters
    ----------
    info : zipfile.ZipInfo
    timezone : datetime.tzinfo
        The zone the archive's DOS date/time was written in (DOS times carry none).

    Returns
    -------
    datetime.datetime
        Aware (UTC): the member's "extended timestamp" (exact, UTC) when it has one, else its
        DOS date/time (2-second resolution) read in ``timezone``.
    """
    seconds = _extended_mtime(info.extra)
    if seconds is not None:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return datetime.datetime(*info.date_time, tzinfo=timezone).astimezone(datetime.timezone.utc)


class CanvasCollector(FileNameCollectorPlugin):
    """``nbgrader zip_collect``'s collector for Canvas's "Download Submissions" zip.

    Subclass of nbgrader's ``FileNameCollectorPlugin``
    (``c.ZipCollectApp.collector_plugin = "grader.lms.CanvasCollector"``). For each file
    nbgrader extracted, :meth:`collect` returns the course's student id, the assignment's
    notebook name and the file's time in the zip, or ``None`` (nbgrader then logs
    "Skipped submission ..." and counts it) after a warning naming the file and why:

    * not a Canvas name, or an anonymous-grading name (:func:`parse_canvas_name`);
    * not a notebook (a PDF, a ``.py`` beside it);
    * a Canvas user id that is in no roster entry, or in two;
    * an older upload of a notebook the same student uploaded again in the download (a
      smaller Canvas file id: Canvas numbers files in upload order), so that nbgrader never
      meets two files for one notebook without times to choose by (it would stop).

    A notebook whose name matches none of the assignment's notebooks is collected under its
    own name, with a warning (the grader grades a lone notebook whatever its name).

    The roster: the gradebook's students' ``lms_user_id`` (nbgrader's field) and the
    ``canvas_id`` column of ``<course root>/roster.csv`` (kept by ``python -m grader roster
    import``).
    """

    zip_times = Enum(
        ["auto", "trust", "ignore"], default_value="auto",
        help="Use the zip members' times as hand-in times: 'trust' always, 'ignore' never, 'auto' unless the "
             "zip looks built in one go (Canvas's own zips: every member stamped within build_seconds, in "
             "archive order), whose times are the zip's, not the students'.").tag(config=True)
    zip_timezone = Unicode(
        "UTC", help="Time zone of the zip's DOS times (a member with an extended timestamp is read in UTC); "
                    "an IANA name such as 'Europe/Paris'.").tag(config=True)
    build_seconds = Float(
        900.0, help="With zip_times = 'auto': a zip whose members' times span at most this many seconds, "
                    "in archive order, is taken as stamped when the LMS built it.").tag(config=True)
    roster_file = Unicode(
        "roster.csv", help="The roster with a canvas_id column, relative to the course root (python -m grader "
                           "roster import keeps it).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._roster: dict[str, str] | None = None
        self._ambiguous: dict[str, list[str]] = {}
        self._times: dict[str, tuple[str, datetime.datetime | None]] | None = None
        self._newest: dict[tuple[str, str], int] | None = None

    # ----------------------------------------------------------------- the course

    def _coursedir(self):
        return getattr(self.parent, "coursedir", None)

    def _expected(self) -> list[str]:
        from grader.discovery import expected_notebooks

        coursedir = self._coursedir()
        if coursedir is None:
            return []
        return expected_notebooks(coursedir.root, coursedir.assignment_id)

    def lms_roster(self) -> dict[str, str]:
        """The Canvas user id -> student id map of the course.

        Returns
        -------
        dict of str to str
            From the gradebook's ``lms_user_id`` and ``roster.csv``'s ``canvas_id``; a
            Canvas id given to two different students is left out (and :meth:`collect`
            names both).
        """
        if self._roster is not None:
            return self._roster
        pairs: list[tuple[str, str]] = []
        coursedir = self._coursedir()
        if coursedir is not None:
            pairs += self._gradebook_pairs(coursedir)
            path = Path(coursedir.root) / self.roster_file
            if path.is_file():
                from grader.roster import RosterError, read_roster

                try:
                    roster = read_roster(path)
                except RosterError as exc:
                    self.log.warning("Canvas collector: %s is not read (%s)", path, exc)
                else:
                    pairs += [(str(r.canvas_id).strip(), str(r.id)) for r in roster.itertuples(index=False)
                              if str(r.canvas_id).strip()]
        owners: dict[str, set[str]] = {}
        for canvas_id, student in pairs:
            owners.setdefault(canvas_id, set()).add(student)
        self._roster = {c: next(iter(s)) for c, s in owners.items() if len(s) == 1}
        self._ambiguous = {c: sorted(s) for c, s in owners.items() if len(s) > 1}
        if not self._roster:
            self.log.warning("Canvas collector: no student has a Canvas id (gradebook lms_user_id, or the "
                             "canvas_id column of %s): import a roster with canvas_id first "
                             "(python -m grader roster import)", self.roster_file)
        return self._roster

    def _gradebook_pairs(self, coursedir) -> list[tuple[str, str]]:
        db_url = str(coursedir.db_url)
        if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
            return []  # no gradebook yet: opening it would create one
        from nbgrader.api import Gradebook

        try:
            with Gradebook(db_url, coursedir.course_id) as gb:
                return [(str(s.lms_user_id).strip(), s.id) for s in gb.students if s.lms_user_id]
        except Exception as exc:  # an unreadable gradebook: roster.csv may still do
            self.log.warning("Canvas collector: the gradebook %s is not read (%s)", db_url, exc)
            return []

    # ----------------------------------------------------------------- times

    def _zip_times(self) -> dict[str, tuple[str, datetime.datetime | None]]:
        """extracted file path -> (its zip, its time or None when the zip's times are not used)."""
        if self._times is not None:
            return self._times
        self._times = {}
        app = self.parent
        if app is None or not hasattr(app, "_format_collect_path"):
            return self._times
        archive = app._format_collect_path(app.archive_directory)
        extracted = app._format_collect_path(app.extracted_directory)
        from dateutil.tz import gettz

        zone = gettz(self.zip_timezone)
        if zone is None:
            self.log.warning("Canvas collector: unknown zip_timezone %r: no time is taken from the zips",
                             self.zip_timezone)
        for root, _, files in os.walk(archive):
            for name in sorted(files):
                path = os.path.join(root, name)
                if not name.lower().endswith(".zip") or not zipfile.is_zipfile(path):
                    continue
                # where nbgrader's ExtractorPlugin unpacks it: <extracted>/<relative folder>/<zip name>/
                into = os.path.normpath(os.path.join(extracted, os.path.relpath(root, archive), name[:-len(".zip")]))
                with zipfile.ZipFile(path) as archive_file:
                    members = [i for i in archive_file.infolist() if not i.is_dir()]
                times = [zip_member_time(i, zone) for i in members] if zone is not None else [None] * len(members)
                use = self._use_times(name, times)
                for info, when in zip(members, times):
                    target = os.path.normpath(os.path.join(into, *info.filename.split("/")))
                    self._times[target] = (name, when if use else None)
        return self._times

    def _use_times(self, name: str, times: list) -> bool:
        if self.zip_times == "ignore" or not times or None in times:
            return False
        if self.zip_times == "trust":
            return True
        spread = (max(times) - min(times)).total_seconds()
        in_order = all(a <= b for a, b in zip(times, times[1:]))
        if in_order and spread <= self.build_seconds:
            self.log.warning(
                "Canvas collector: the %d file(s) of %s are stamped %s to %s, in archive order: the time the "
                "LMS built the zip, not hand-in times; no timestamp is taken from it (set "
                "c.CanvasCollector.zip_times = 'trust' if they are the students' times)", len(times), name,
                min(times).strftime(TIMESTAMP_FORMAT), max(times).strftime(TIMESTAMP_FORMAT))
            return False
        return True

    def _file_id(self, parsed: CanvasName, expected: list[str]) -> str:
        return match_notebook(parsed.original, expected) or parsed.original

    def _newest_uploads(self) -> dict[tuple[str, str], int]:
        """(Canvas user id, notebook) -> the largest Canvas file id among the extracted files."""
        if self._newest is not None:
            return self._newest
        self._newest = {}
        app = self.parent
        if app is None or not hasattr(app, "_format_collect_path"):
            return self._newest
        expected = self._expected()
        for _, _, files in os.walk(app._format_collect_path(app.extracted_directory)):
            for name in files:
                try:
                    parsed = parse_canvas_name(name)
                except LmsNameError:
                    continue
                key = (parsed.user_id, self._file_id(parsed, expected))
                self._newest[key] = max(self._newest.get(key, -1), int(parsed.attachment_id))
        return self._newest

    # ----------------------------------------------------------------- the plugin

    def collect(self, submitted_file: str) -> dict | None:
        """Map one extracted file to its student, notebook and time (nbgrader's collector API).

        Parameters
        ----------
        submitted_file : str
            A file under ``downloaded/<assignment>/extracted/`` (absolute path).

        Returns
        -------
        dict or None
            ``student_id`` (the roster's id), ``file_id`` (the assignment's notebook name, or
            the uploaded name when none matches), ``timestamp`` (nbgrader's format, UTC; only
            when the zip's times are used), plus ``canvas_user_id`` and ``canvas_late``
            (informative); ``None`` for a file to skip, after a warning naming it.
        """
        shown = os.path.basename(submitted_file)
        try:
            parsed = parse_canvas_name(shown)
        except LmsNameError as exc:
            self.log.warning("Canvas collector: skipped %s: %s", submitted_file, exc)
            return None
        if os.path.splitext(shown)[1].lower() not in {e.lower() for e in self.valid_ext}:
            self.log.warning("Canvas collector: skipped %s: not a notebook (Canvas user %s handed in %s "
                             "beside or instead of the notebook; only %s files are collected)", submitted_file,
                             parsed.user_id, parsed.original, ", ".join(self.valid_ext))
            return None
        roster = self.lms_roster()
        student = roster.get(parsed.user_id)
        if student is None:
            if parsed.user_id in self._ambiguous:
                why = (f"Canvas user {parsed.user_id} is given to several students "
                       f"({', '.join(self._ambiguous[parsed.user_id])}): fix the roster's canvas_id")
            else:
                who = f" ({parsed.name})" if parsed.name else ""
                why = (f"Canvas user {parsed.user_id}{who} is not in the roster (no student has this canvas_id / "
                       "lms_user_id): add them (python -m grader roster import) and run zip_collect again")
            self.log.warning("Canvas collector: skipped %s: %s", submitted_file, why)
            return None
        expected = self._expected()
        newest = self._newest_uploads().get((parsed.user_id, self._file_id(parsed, expected)))
        if newest is not None and int(parsed.attachment_id) < newest:
            self.log.warning("Canvas collector: skipped %s: an older upload of the same notebook by Canvas user %s "
                             "(Canvas file id %s; the newest, file id %d, is collected)", submitted_file,
                             parsed.user_id, parsed.attachment_id, newest)
            return None
        notebook = match_notebook(parsed.original, expected)
        if notebook is None:
            notebook = parsed.original
            self.log.warning("Canvas collector: %s: %s matches none of the assignment's notebooks (%s): "
                             "collected under its own name", submitted_file, parsed.original,
                             ", ".join(expected) or "none released")
        elif notebook != parsed.original:
            self.log.info("Canvas collector: %s: %s collected as %s", shown, parsed.original, notebook)
        info = {"student_id": student, "file_id": notebook, "canvas_user_id": parsed.user_id,
                "canvas_late": parsed.late}
        found = self._zip_times().get(os.path.normpath(submitted_file))
        if found is not None and found[1] is not None:
            info["timestamp"] = found[1].strftime(TIMESTAMP_FORMAT)
        if parsed.late:
            self.log.info("Canvas collector: %s: Canvas marks it late (the penalty comes from the due date in the "
                          "gradebook and the time%s)", shown, "" if "timestamp" in info else ": none known here")
        return info
