"""nbconvert templates of the course: where nbgrader's HTML pages get their MathJax.

``TEMPLATE_BASEDIRS`` goes into ``c.HTMLExporter.extra_template_basedirs`` (see
``nbgrader_config.py``): this folder first, then nbgrader's own template folder, which holds
the ``formgrade`` and ``feedback`` templates. Only ``base/mathjax.html.j2`` is overridden.
"""

from __future__ import annotations

import os

__all__ = ["TEMPLATE_DIR", "TEMPLATE_BASEDIRS"]

#: This folder (its ``base/mathjax.html.j2`` shadows nbconvert's).
TEMPLATE_DIR = os.path.dirname(os.path.abspath(__file__))


def _nbgrader_templates() -> str:
    """nbgrader's formgrader template folder (``handlers.template_path``), found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("nbgrader")
    root = list(spec.submodule_search_locations)[0] if spec and spec.submodule_search_locations else ""
    return os.path.join(root, "server_extensions", "formgrader", "templates")


#: ``c.HTMLExporter.extra_template_basedirs`` for the formgrader and feedback.
TEMPLATE_BASEDIRS = [TEMPLATE_DIR, _nbgrader_templates()]
