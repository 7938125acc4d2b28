"""JupyterHub for the "Main Ingredients" course: students, instructors and a formgrader service.

The recipe is docs/jupyterhub.md; tests/test_jupyterhub.py starts a real Hub with this very
file (loaded from a small test file that only changes ports, paths and the password check).

One machine, local Unix accounts, one Python environment for everyone: the course's ``.venv``
(``pip install -c constraints.txt '.[hub]'``), which the Hub itself runs from. The settings below
come from environment variables (set them in the Hub's systemd unit) or from their defaults:

==========================  =========================================================  ==========================================
variable                    what                                                       default
==========================  =========================================================  ==========================================
``MI_COURSE_ID``            the course id; the formgrader service gets this name       ``main-ingredients``
``MI_COURSE_ROOT``          the course folder (``nbgrader_config.py``, ``source/``)    ``/home/grader-main-ingredients/main-ingredients``
``MI_GRADER_USER``          the Unix account that runs the formgrader, owns the course ``grader-main-ingredients``
``MI_INSTRUCTORS``          instructors and TAs (comma-separated Unix user names)      (none)
``MI_STUDENTS``             students (comma-separated), or add them in the formgrader  (none)
``MI_FORMGRADER_PORT``      the formgrader service's port on 127.0.0.1                 ``9999``
``NBGRADER_EXCHANGE``       the shared exchange folder (0777)                          ``/srv/nbgrader/exchange``
``MI_VENV``                 the Python environment of every server                     the Hub's own (``sys.prefix``)
==========================  =========================================================  ==========================================
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))


def _names(variable: str) -> list[str]:
    """The comma-separated user names in an environment variable (blanks dropped)."""
    return [n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()]


COURSE = os.environ.get("MI_COURSE_ID", "main-ingredients")
COURSE_ROOT = os.environ.get("MI_COURSE_ROOT", f"/home/grader-{COURSE}/{COURSE}")
GRADER = os.environ.get("MI_GRADER_USER", f"grader-{COURSE}")
INSTRUCTORS = _names("MI_INSTRUCTORS")
STUDENTS = _names("MI_STUDENTS")
FORMGRADER_PORT = int(os.environ.get("MI_FORMGRADER_PORT", "9999"))
EXCHANGE = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
VENV = os.environ.get("MI_VENV", sys.prefix)

#: nbgrader's group names (its JupyterHubAuthPlugin reads them): students and graders.
STUDENTS_GROUP = f"nbgrader-{COURSE}"
GRADERS_GROUP = f"formgrade-{COURSE}"


def profile_path(profile: str) -> str:
    """``JUPYTER_CONFIG_PATH`` of a server: its profile folder (which nbgrader extensions it gets),
    then ``common/`` (the shared exchange and JupyterHub's groups for nbgrader)."""
    return os.pathsep.join([os.path.join(HERE, profile), os.path.join(HERE, "common")])


#: What every server of the course gets: the course's environment first on PATH (nbgrader runs
#: helpers such as alembic by name), the exchange, a quiet TensorFlow.
ENVIRONMENT = {
    "PATH": os.pathsep.join([os.path.join(VENV, "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
    "NBGRADER_EXCHANGE": EXCHANGE,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "KERAS_BACKEND": "tensorflow",
}

# --- Users ---------------------------------------------------------------------------------
# Local Unix accounts, checked by PAM (JupyterHub's default authenticator); each user's server
# runs as that user (LocalProcessSpawner, the default spawner: the Hub runs as root).
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
# Students added later in the formgrader (or by `nbgrader db student add`) join the
# nbgrader-<course> group through nbgrader: they may log in as well.
c.Authenticator.allow_existing_users = True

c.JupyterHub.load_groups = {
    GRADERS_GROUP: INSTRUCTORS,
    STUDENTS_GROUP: STUDENTS,
}

# --- The users' servers ----------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = ENVIRONMENT


def choose_profile(spawner) -> None:
    """Give an instructor's server the instructor profile, every other server the student's.

    Students: Assignment List (fetch, submit, feedback) and Validate; no formgrader, no
    "Create Assignment", no course list. Instructors: the same plus the course list (a link to
    the formgrader service). The formgrader itself runs only in the service.
    """
    groups = {group.name for group in spawner.user.groups}
    profile = "instructor" if GRADERS_GROUP in groups else "student"
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": profile_path(profile)}


c.Spawner.pre_spawn_hook = choose_profile

# --- The formgrader: a Hub-managed service -----------------------------------------------------
# A JupyterLab server running as the grader account in the course root, at
# /services/<course_id>/ (the service's name MUST be the course id). Open the formgrader at
# /services/<course_id>/formgrader (JupyterHub >= 4.1 refuses to show it inside JupyterLab's
# iframe; see docs/jupyterhub.md).
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [os.path.join(VENV, "bin", "jupyterhub-singleuser")],
        "user": GRADER,
        "cwd": COURSE_ROOT,
        "environment": {
            **ENVIRONMENT,
            "JUPYTER_CONFIG_PATH": profile_path("formgrader"),
            "JUPYTERHUB_DEFAULT_URL": "/lab",
        },
        "oauth_no_confirm": True,
        # JupyterHub >= 6 gives a managed service 30 s to answer, then exits: a JupyterLab with
        # nbgrader takes longer than that on a busy machine
        "timeout": 180,
    },
]

# --- Who may do what ---------------------------------------------------------------------------
c.JupyterHub.load_roles = [
    {   # instructors and TAs: the formgrader service
        "name": GRADERS_GROUP,
        "groups": [GRADERS_GROUP],
        "scopes": [f"access:services!service={COURSE}", "list:services", f"read:services!service={COURSE}"],
    },
    {   # students: find the course's service (nbgrader's course discovery), nothing more
        "name": STUDENTS_GROUP,
        "groups": [STUDENTS_GROUP],
        "scopes": ["list:services", f"read:services!service={COURSE}"],
    },
    {   # each server's own token: JupyterHub's defaults, plus what nbgrader asks the Hub about its
        # owner (their groups: which courses they take) and the course list (the services)
        "name": "server",
        "scopes": ["users:activity!user", "access:servers!server", "read:users:groups!user",
                   "read:users:name!user", "list:services", "read:services"],
    },
    {   # the formgrader service: nbgrader puts the students it adds into nbgrader-<course_id>
        "name": f"{COURSE}-formgrader",
        "services": [COURSE],
        "scopes": ["list:users", "read:users:name", "read:users:groups", f"list:groups!group={STUDENTS_GROUP}",
                   f"read:groups!group={STUDENTS_GROUP}", f"groups!group={STUDENTS_GROUP}"],
    },
]
