"""nbgrader configuration for the "Main Ingredients" course (Keras 3 port).

The course root is this folder: nbgrader's ``source/``, ``release/``,
``submitted/``, ``autograded/`` and ``feedback/`` folders and the SQLite gradebook
(``gradebook.db``) all live beside this file.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# --- Course ----------------------------------------------------------------------------
c.CourseDirectory.course_id = "main-ingredients"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

#: The assignments, in teaching order. 00 is the lesson itself (no graded cells).
ASSIGNMENTS = [
    "00-main-ingredients",
    "01-perceptron",
    "02-learning-rate-momentum",
    "03-model-capacity",
    "04-batch-size",
    "05-iris-project",
]
c.Course.assignments = ASSIGNMENTS

# --- Exchange: a course-local folder -----------------------------------------------------
# nbgrader's exchange (release_assignment, fetch_assignment, submit, collect, release_feedback,
# fetch_feedback) is exchange/ beside this file (git-ignored; created here, as nbgrader logs
# "CRITICAL ... Unwritable directory" when it is absent): the whole cycle works on one machine
# without root (docs/instructor.md). Students' folders name it in their own nbgrader_config.py
# or through jupyter-student/nbgrader_config.py (kept in step: tests/test_student_profile.py).
# On JupyterHub: a shared folder (docs/jupyterhub.md). Hand copies in submitted/ work too.
c.Exchange.root = os.path.join(HERE, "exchange")
try:
    os.makedirs(c.Exchange.root, exist_ok=True)
except OSError:  # a read-only checkout: nbgrader only logs the line above
    pass

# --- Due dates and late penalties ------------------------------------------------------------
# Due dates come from assignments.csv, extensions from extensions.csv (both in this folder):
# `python -m grader assignments sync` writes them into the gradebook. nbgrader measures how late
# a submission is from its timestamp.txt (written by `nbgrader submit`/`collect`; for a hand copy,
# the notebook's file time) and asks this plugin for the penalty when it autogrades: 10 % of the
# autograded score per day (or part of a day) late, the whole score after 7 days, extensions
# first. See docs/instructor.md, "Due dates and late penalties".
c.AssignLatePenalties.plugin_class = "grader.late.LatePenalty"
c.LatePenalty.per_day = 0.10
c.LatePenalty.zero_after_days = 7
c.LatePenalty.grace_minutes = 0

# --- LMS downloads: `nbgrader zip_collect` for Canvas's "Download Submissions" zip ----------
# Put the zip in downloaded/<assignment>/archive/, then `nbgrader zip_collect <assignment>`:
# Canvas's file names (<name>_[LATE_]<user id>_<file id>_<file>) are mapped to student ids
# through the roster (canvas_id / lms_user_id). A zip whose times are those of its own making
# gives no hand-in time, and then no late penalty. See docs/grader.md, "LMS downloads (Canvas)".
c.ZipCollectApp.collector_plugin = "grader.lms.CanvasCollector"
c.CanvasCollector.zip_times = "auto"       # "trust": the zip's times are hand-in times; "ignore": never
c.CanvasCollector.zip_timezone = "UTC"     # zone of a zip's DOS date/time (extended timestamps are UTC)

# --- Kernels: TensorFlow quiet --------------------------------------------------------
# Kernels started by nbgrader inherit this process's environment. (The set-up cell of
# every notebook also calls main_ingredients.silence_tensorflow(), which hides the C++
# start-up lines that TF_CPP_MIN_LOG_LEVEL no longer hides in TensorFlow 2.21.)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

# --- Execution -------------------------------------------------------------------------
# A training cell of the course takes a few seconds; 120 s leaves a wide margin on a
# 2-core machine and still stops an infinite loop.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# --- The sandbox: every autograded notebook runs in it -----------------------------------
# grader.preprocessors.SandboxedExecute replaces nbgrader's Execute in autograde (so
# `python -m grader autograde`, `nbgrader autograde` and the formgrader's Autograde button
# all get it; `nbgrader validate` keeps the plain kernel). See docs/grader.md, "Security model".
from grader.preprocessors import (  # noqa: E402
    AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS, SUBMISSION_EXPORTER)

c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
# Repairs first (deleted locked cells back in place, duplicated grade_ids, older metadata,
# bad widget metadata) and a reader that accepts a byte-order mark: see docs/grader.md.
c.Autograde.sanitize_preprocessors = SANITIZE_PREPROCESSORS
c.Autograde.exporter_class = SUBMISSION_EXPORTER
c.Sandbox.memory = "4GiB"          # per notebook: the kernel and every process it starts
c.Sandbox.processes = 256          # tasks (processes + threads) at once
c.Sandbox.notebook_timeout = 900   # seconds for the whole notebook, whatever its cell count
c.Sandbox.user = "nobody"          # the kernel's user when the grader runs as root

# --- Stderr never costs points ---------------------------------------------------------
# nbgrader gives a test cell 0 when it writes to stderr. grader.preprocessors.UnscoredStderr
# (in AUTOGRADE_PREPROCESSORS) shows a test cell's stderr without scoring it, whatever the
# text: only an "error" output fails the cell. IgnorePattern still drops stderr outputs made
# only of TensorFlow/Keras/Python warning and log lines (noise, in every cell).
c.IgnorePattern.enabled = True
# One line at a time, atomic group (Python >= 3.11): fast on long outputs, and a real error
# line after a warning keeps the whole chunk in sight.
c.IgnorePattern.pattern = (
    r"\A(?>(?:[IWE]\d{4} [\d:.]+[ \t]+\d+ \S+\] .*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|.*(?:Warning|WARNING|warn)\b.*"
    r"|[ \t]+\S.*"
    r"|[ \t]*)(?:\n|\Z))+\Z"
)

# --- Feedback: what students see ---------------------------------------------------------
# nbgrader's feedback is rendered from the autograded notebook, hidden tests included. These
# preprocessors (before nbgrader's GetGrades and CSSHTMLHeaderPreprocessor) remove the hidden
# blocks, cut tracebacks to their last line, drop widget metadata nbconvert cannot read and
# write a hand-copied submission's timestamp.txt from its own time, so `nbgrader
# generate_feedback` and the formgrader's Generate/Release Feedback buttons are safe and work
# (`python -m grader feedback` forces them anyway). See docs/grader.md, "Feedback".
from grader.preprocessors import FEEDBACK_PREPROCESSORS  # noqa: E402

c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS

# --- MathJax without a network -------------------------------------------------------------
# nbconvert's pages (the formgrader's submission view, feedback) load MathJax from a CDN. The
# course's template folder comes first and overrides only base/mathjax.html.j2: a page served by
# a Jupyter server loads MathJax from that server (jupyter_server_mathjax), the CDN is the
# fallback. nbgrader's own folder stays second: it holds the formgrade and feedback templates.
from grader.templates import TEMPLATE_BASEDIRS  # noqa: E402

c.HTMLExporter.extra_template_basedirs = TEMPLATE_BASEDIRS
