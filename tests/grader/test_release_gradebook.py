"""``make release``: the lesson is released for students but is not an assignment of the gradebook
(the formgrader listed it as an assignment worth 0 points)."""

from __future__ import annotations

import shutil

from cli_helpers import REPO
from grader.release import generate_release, is_gradable


def _course(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    for a in ("00-main-ingredients", "01-perceptron"):
        shutil.copytree(REPO / "source" / a, root / "source" / a)
    return root


def _assignments(root) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "gradebook.db")) as gb:
        return sorted(a.name for a in gb.assignments)


def test_the_lesson_is_released_but_kept_out_of_the_gradebook(tmp_path):
    root = _course(tmp_path)
    assert not is_gradable(root, "00-main-ingredients") and is_gradable(root, "01-perceptron")
    generate_release(root, ["00-main-ingredients", "01-perceptron"])
    assert (root / "release" / "00-main-ingredients" / "main-ingredients.ipynb").is_file()
    assert _assignments(root) == ["01-perceptron"]


def test_a_lesson_an_earlier_release_put_in_the_gradebook_is_removed(tmp_path):
    from nbgrader.api import Gradebook

    root = _course(tmp_path)
    generate_release(root, ["01-perceptron"])
    with Gradebook("sqlite:///" + str(root / "gradebook.db")) as gb:
        gb.update_or_create_assignment("00-main-ingredients")
    assert _assignments(root) == ["00-main-ingredients", "01-perceptron"]
    generate_release(root, ["00-main-ingredients"])
    assert _assignments(root) == ["01-perceptron"]
