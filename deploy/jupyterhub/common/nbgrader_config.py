"""nbgrader settings of every server on the course's JupyterHub (docs/jupyterhub.md).

Students', instructors' and the formgrader service's servers all read this file:
``jupyterhub_config.py`` puts this folder on their ``JUPYTER_CONFIG_PATH``. The course's own
``nbgrader_config.py`` (in the course root, read last by nbgrader) must load it too, at its
end, so that the instructor's ``nbgrader release_assignment`` / ``collect`` and the formgrader
use the shared exchange instead of the course-local one:

    load_subconfig("/opt/main-ingredients/deploy/jupyterhub/common/nbgrader_config.py")
"""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821  (provided by traitlets)

# The shared exchange: one folder for the whole Hub, writable by everyone (chmod 0777, as
# nbgrader's docs say); each course gets its own subfolder (<root>/<course_id>/inbound, outbound,
# feedback), so several courses can share the Hub.
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True

# Who takes which course comes from JupyterHub's groups: nbgrader-<course_id> (students) and
# formgrade-<course_id> (instructors, graders). A student sees, fetches and submits only the
# assignments of the courses of their groups. Only inside the Hub (a server started by the Hub
# has its token): the grader account's commands over ssh or from cron (make release, python -m
# grader autograde, nbgrader collect) then work too, where nbgrader's plugin would stop them
# with "JUPYTERHUB_USER env is required". The exchange's file permissions, not this plugin,
# are what keeps a course's files apart.
if os.environ.get("JUPYTERHUB_API_TOKEN"):
    c.Authenticator.plugin_class = JupyterHubAuthPlugin
