"""nbgrader settings of the students' JupyterLab (``make lab``: ``JUPYTER_CONFIG_DIR=jupyter-student``).

The Assignment List (Nbgrader > Assignment List) fetches and submits through the course's
exchange: it needs the course id and the exchange folder, the same as the course's own
``nbgrader_config.py`` (tests/test_student_profile.py checks that they agree). nbgrader reads
this file from the Jupyter config folder wherever the student starts JupyterLab, so a student
can work in a folder of their own: fetched assignments land in the folder JupyterLab was
started in (``<that folder>/01-perceptron/``). Nothing instructor-only is set here.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

#: The course root: this profile's parent folder.
COURSE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.course_id = "main-ingredients"
c.Exchange.root = os.path.join(COURSE, "exchange")
