"""A tiny nbgrader course for the grader CLI tests: one assignment, no TensorFlow."""

import os

c = get_config()  # noqa: F821

HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "toy-course"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
c.Course.assignments = ["toy"]
c.Exchange.root = os.path.join(HERE, "exchange")  # as the course's: no CRITICAL "Unwritable directory"
os.makedirs(c.Exchange.root, exist_ok=True)
c.Execute.timeout = 5
c.Execute.interrupt_on_timeout = True
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"^(?:.*Warning.*\n?)+$"
from grader.preprocessors import (  # noqa: E402
    AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS, SUBMISSION_EXPORTER)

c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
c.Autograde.sanitize_preprocessors = SANITIZE_PREPROCESSORS
c.Autograde.exporter_class = SUBMISSION_EXPORTER
c.Sandbox.notebook_timeout = 60
from grader.preprocessors import FEEDBACK_PREPROCESSORS  # noqa: E402

c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
# as the course's: the late policy (it changes nothing without due dates)
c.AssignLatePenalties.plugin_class = "grader.late.LatePenalty"
c.LatePenalty.per_day = 0.10
c.LatePenalty.zero_after_days = 7
