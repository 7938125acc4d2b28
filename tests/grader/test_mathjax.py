"""MathJax without a network: nbgrader's pages load it from the Jupyter server first.

nbconvert's ``base/mathjax.html.j2`` hard-codes a CDN, so the formgrader showed raw LaTeX
offline. ``grader/templates/base/mathjax.html.j2`` (first in
``c.HTMLExporter.extra_template_basedirs``) tries ``jupyter_server_mathjax``'s copy on the
server that serves the page, then the CDN. The browser test (tests/test_browser.py) checks
the rendering itself; these check the wiring without a server.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from grader.templates import TEMPLATE_BASEDIRS

REPO = Path(__file__).resolve().parents[2]
LOCAL = "/static/jupyter_server_mathjax/MathJax.js"
CDN = "cdnjs.cloudflare.com"


def _render(template_name: str, basedirs) -> str:
    import nbgrader

    css = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "static",
                       "node_modules", "bootstrap", "dist", "css")
    c = Config()
    c.HTMLExporter.template_name = template_name
    c.HTMLExporter.extra_template_paths = [css]
    c.HTMLExporter.extra_template_basedirs = basedirs
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("The loss $L(w) = (y - wx)^2$.")])
    body, _ = HTMLExporter(config=c).from_notebook_node(
        nb, resources={"nbgrader": {"notebook": "n", "score": 1, "max_score": 2, "late_penalty": 0}})
    return body


def test_the_course_config_puts_the_course_templates_first():
    ns = runpy.run_path(str(REPO / "nbgrader_config.py"), init_globals={"get_config": Config})
    assert list(ns["c"].HTMLExporter.extra_template_basedirs) == TEMPLATE_BASEDIRS
    assert Path(TEMPLATE_BASEDIRS[0], "base", "mathjax.html.j2").is_file()
    assert Path(TEMPLATE_BASEDIRS[1], "feedback").is_dir()  # nbgrader's own templates still found


@pytest.mark.parametrize("template", ["feedback", "classic", "lab"])
def test_a_page_tries_the_servers_mathjax_before_the_cdn(template):
    body = _render(template, TEMPLATE_BASEDIRS)
    assert LOCAL in body and CDN in body
    assert body.index(LOCAL) < body.rindex(CDN)  # the CDN is only the fallback
    assert "window.MathJax = {" in body and 'inlineMath: [["$", "$"]' in body


def test_without_the_course_templates_the_page_needs_the_cdn():
    """The control: nbconvert's own macro, what the formgrader showed before."""
    body = _render("feedback", TEMPLATE_BASEDIRS[1:])
    assert LOCAL not in body and CDN in body


def test_the_server_has_the_mathjax_file_the_page_asks_for():
    import jupyter_server_mathjax

    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    assert (static / "MathJax.js").is_file()
    assert (static / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()  # the ?config= asked for
