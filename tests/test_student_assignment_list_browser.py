"""The students' JupyterLab (the ``jupyter-student/`` profile) in a real browser: the Assignment List
shows the course and its released assignment (not "No courses found"), fetches and submits it.

A copy of the toy course is released to its exchange (``nbgrader release_assignment``); the
profile is copied beside it (its ``nbgrader_config.py`` finds the exchange as ``../exchange``;
the course id is set to the toy course's). ``jupyter lab`` runs with that profile in the
student's own folder (their home), as a student on the course's machine starts it. Headless
Chromium (Selenium; the helpers and fixtures of ``tests/test_browser.py``) opens *Nbgrader >
Assignment List*, presses Fetch, then Submit. Screenshots per step, as in test_browser.
Skipped, with the reason, where Chromium, ChromeDriver or Selenium is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_browser import BIN, LAB_PAGE_CONFIG, TOY, Browser, browser, jupyter_lab, shots, tools  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "jupyter-student"
COURSE_ID = "toy-course"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the toy course with ``toy`` generated and released to its exchange, and the
    student profile beside it (course id: the toy course's)."""
    course = tmp_path_factory.mktemp("assignment-list") / "course"
    shutil.copytree(TOY, course)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    for step in ("generate_assignment", "release_assignment"):
        done = subprocess.run([str(BIN / "nbgrader"), step, "toy"], cwd=course, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    profile = course / "jupyter-student"
    shutil.copytree(PROFILE, profile, ignore=shutil.ignore_patterns("migrated", "lab", "__pycache__"))
    cfg = profile / "nbgrader_config.py"
    text = cfg.read_text(encoding="utf-8")
    assert 'c.CourseDirectory.course_id = "main-ingredients"' in text
    cfg.write_text(text.replace('"main-ingredients"', f'"{COURSE_ID}"'), encoding="utf-8")
    page = profile / "labconfig" / "page_config.json"  # the profile's, plus no news toast
    settings = json.loads(page.read_text())
    settings["disabledExtensions"].update(LAB_PAGE_CONFIG["disabledExtensions"])
    page.write_text(json.dumps(settings))
    return course


@pytest.fixture(scope="module")
def student_lab(released, tmp_path_factory):
    """``jupyter lab`` with the student profile, started in the student's own folder (their
    home): yields (base URL, that folder)."""
    home = tmp_path_factory.mktemp("student-home")
    state = tmp_path_factory.mktemp("student-lab-state")  # JupyterLab's settings and the server log
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(released / "jupyter-student"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
               PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    with jupyter_lab(home, env, state / "jupyter.log") as url:
        yield url, home


def _button(b: Browser, section: str, label: str, what: str):
    """The enabled button ``label`` in the Assignment List's ``section`` (an element id)."""
    from selenium.webdriver.common.by import By

    def found(driver):
        for button in driver.find_elements(By.CSS_SELECTOR, f"#{section} button"):
            if button.is_displayed() and button.text.strip() == label and button.is_enabled():
                return button
        return False

    return b.wait(found, what, 120)


def test_the_students_assignment_list_fetches_and_submits_the_released_assignment(released, student_lab, browser):
    from selenium.webdriver.common.by import By

    url, home = student_lab
    b = browser
    with b.step("open JupyterLab with the student profile"):
        b.get(f"{url}/lab")
        b.css("#jp-MainMenu", "JupyterLab's menu bar", 120)
    with b.step("the Nbgrader menu has the Assignment List and no instructor tool"):
        b.wait(lambda d: next((i for i in d.find_elements(By.CSS_SELECTOR, "#jp-MainMenu .lm-MenuBar-item")
                               if i.text.strip() == "Nbgrader"), False), "the Nbgrader menu").click()
        items = b.wait(lambda d: [i.text.strip() for i in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-menu .lm-Menu-item")
                                  if i.is_displayed() and i.text.strip()], "the Nbgrader menu's items")
        b.shot("nbgrader-menu")
        assert items == ["Assignment List"], items
    with b.step("the Assignment List shows the course's released assignment"):
        next(i for i in b.driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-menu .lm-Menu-item")
             if i.is_displayed() and i.text.strip() == "Assignment List").click()
        _button(b, "released_assignments_list", "Fetch", "toy in Released assignments, with Fetch")
        b.shot("assignment-list")
        assert "No courses found" not in b.text()
        assert COURSE_ID in b.text()
    with b.step("Fetch"):
        _button(b, "released_assignments_list", "Fetch", "the Fetch button").click()
        b.wait(lambda d: (home / "toy" / "toy.ipynb").is_file(), "toy/toy.ipynb in the student's folder")
        _button(b, "fetched_assignments_list", "Submit", "toy in Downloaded assignments, with Submit")
        b.shot("fetched")
    with b.step("Submit"):
        _button(b, "fetched_assignments_list", "Submit", "the Submit button").click()
        inbound = released / "exchange" / COURSE_ID / "inbound"
        b.wait(lambda d: any(inbound.glob("*+toy+*/toy.ipynb")), "the submission in the exchange's inbound folder")
        b.wait(lambda d: "toy" in d.find_element(By.ID, "submitted_assignments_list").text,
               "toy in Submitted assignments")
        b.shot("submitted")
