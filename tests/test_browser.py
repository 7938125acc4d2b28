"""A real browser on the course: JupyterLab and the formgrader in headless Chromium (Selenium).

One JupyterLab (``jupyter lab`` on 127.0.0.1, a free port, no token, started in the course
root so that the formgrader and Validate find ``nbgrader_config.py``) serves a copy of the toy
course (``tests/grader/files/toycourse``, with ``$x^2$`` added to its introduction, released).
Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them as root) drive it
through Selenium, as a student and then as a TA would:

* the student opens their copy of the release notebook, presses nbgrader's Validate (it fails:
  the answer is missing), types the answer, runs *Restart Kernel and Run All Cells...*, sees
  the output and presses Validate again ("Success! Your notebook passes all the tests.");
* the TA hands that notebook in (once as ``nbgrader collect`` leaves it, with its
  ``timestamp.txt``, once copied by hand), runs ``python -m grader autograde`` and ``feedback``,
  opens the formgrader's submissions of the assignment (both graded, 3 / 3, at their hand-in
  times) and the student's feedback page (the score and the visible test, never the hidden one);
* MathJax without a network: the formgrader's submission page and the feedback page typeset
  ``$x^2$`` with the MathJax the Jupyter server itself serves (jupyter_server_mathjax).

Every step leaves a screenshot in the folder printed at the start (``pytest -s`` shows it); a
step that fails leaves ``FAILED-<step>.png``, its page's HTML and the browser's console log
there. Skipped, with the reason, only where Chromium, ChromeDriver or Selenium is missing.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
TOY = REPO / "tests" / "grader" / "files" / "toycourse"
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

ASSIGNMENT = "toy"
NOTEBOOK = "toy.ipynb"
#: The student of the browser: handed in as ``nbgrader collect`` leaves it (with its timestamp.txt).
STUDENT = "browser-student"
#: When STUDENT handed in (their timestamp.txt).
HANDED_IN = "2026-11-30 09:00:00.000000 UTC"
#: The same notebook copied into submitted/ by hand (no timestamp.txt; README, "TAs").
HAND_COPIED = "hand-copied"
#: What the student types into the answer cell, line by line (it prints: the run shows an output).
ANSWER_LINES = ["answer = 42", "doubled = [4, -6]", 'print("answer:", answer, "doubled:", doubled)']
#: What that cell prints.
OUTPUT = "answer: 42 doubled: [4, -6]"
#: The formula added to the toy assignment's introduction (typeset by MathJax on the TA's pages).
LATEX = "$x^2$"
#: Seconds of any single wait in the browser.
WAIT = 60
#: The flags this machine needs (no network: without the last ones Chromium keeps trying to reach Google).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000"]
#: JupyterLab's news question ("get notified about official Jupyter news?") only adds a toast.
LAB_PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def _program(name: str, fallback: str) -> str | None:
    """The path of a program: on PATH, else Debian's place for it, else None."""
    found = shutil.which(name)
    if found:
        return found
    return fallback if os.access(fallback, os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(root: Path, env: dict, log_path: Path):
    """Run ``jupyter lab`` in ``root`` on 127.0.0.1 (a free port, no token) with ``env``; yield its
    base URL once ``/api/status`` answers (at most 120 s); stop it (its kernels too) at the end.

    Raises
    ------
    AssertionError
        If the server exits or does not answer in time (the end of ``log_path`` is shown).
    """
    port = _free_port()
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root",
           f"--ServerApp.root_dir={root}"]
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"jupyter lab exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/api/status", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"jupyter lab did not answer in 120 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()  # the server shuts its kernels down
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


def hidden_lines(source_nb: Path) -> list[str]:
    """Every non-blank line inside a hidden-test block of a source notebook (the markers excluded)."""
    lines = []
    for cell in nbformat.read(str(source_nb), as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


# ------------------------------------------------------------------------------------ the browser

class Browser:
    """Selenium's Chrome driver with the test's habits: explicit waits that say what they waited
    for, a numbered screenshot per step, and the screenshot, HTML and console of a failed step.

    Parameters
    ----------
    driver : selenium.webdriver.Chrome
        The running browser.
    folder : Path
        Where the screenshots go.
    """

    def __init__(self, driver, folder: Path):
        self.driver = driver
        self.folder = folder
        self._count = 0

    def get(self, url: str) -> None:
        """Open ``url`` in the (only) tab."""
        self.driver.get(url)

    def follow(self, url: str) -> None:
        """Go to ``url`` from the page shown, as a click on a link does (the Referer is that page's:
        a Jupyter server without a token refuses a GET of /files/ that has neither a Referer of its
        own nor an _xsrf argument, as when the address is typed in)."""
        before = self.driver.current_url
        assert before.startswith(("http://", "https://")), f"follow() needs a page of the server open, not {before}"
        self.driver.execute_script("window.location.assign(arguments[0]);", url)
        self.wait(lambda d: d.current_url != before and d.execute_script("return document.readyState") == "complete",
                  f"the page {url} to load")

    def shot(self, name: str) -> Path:
        """Save a screenshot of the page as ``NN-<name>.png`` and return its path."""
        self._count += 1
        path = self.folder / f"{self._count:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait(self, condition, what: str, timeout: float = WAIT):
        """Wait until ``condition(driver)`` returns something true and return it.

        Raises
        ------
        AssertionError
            After ``timeout`` seconds, naming ``what`` was waited for.
        """
        from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                                TimeoutException)
        from selenium.webdriver.support.ui import WebDriverWait

        waiter = WebDriverWait(self.driver, timeout, poll_frequency=0.25,
                               ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
        try:
            return waiter.until(condition)
        except TimeoutException:
            raise AssertionError(f"waited {timeout:g} s for {what} (url {self.driver.current_url})") from None

    def css(self, selector: str, what: str, timeout: float = WAIT):
        """Wait for a displayed element matching the CSS ``selector`` and return it."""
        from selenium.webdriver.common.by import By

        def shown(driver):
            return next((e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()), False)

        return self.wait(shown, f"{what} ({selector!r})", timeout)

    def click(self, selector: str, what: str, timeout: float = WAIT):
        """Wait for a displayed, enabled element matching ``selector`` and click it."""
        element = self.css(selector, what, timeout)
        self.wait(lambda d: element.is_enabled() and element.get_attribute("disabled") is None,
                  f"{what} to be enabled", timeout)
        element.click()
        return element

    def text(self) -> str:
        """The page's visible text (what a person reads)."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").text

    @contextlib.contextmanager
    def step(self, name: str):
        """Run one step; if it fails, keep ``FAILED-<name>`` .png, .html and .console.txt."""
        try:
            yield
        except BaseException:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
            with contextlib.suppress(Exception):
                self.driver.save_screenshot(str(self.folder / f"FAILED-{slug}.png"))
            with contextlib.suppress(Exception):
                (self.folder / f"FAILED-{slug}.html").write_text(self.driver.page_source, encoding="utf-8")
            with contextlib.suppress(Exception):
                console = "\n".join(f"{e['level']} {e['message']}" for e in self.driver.get_log("browser"))
                (self.folder / f"FAILED-{slug}.console.txt").write_text(console, encoding="utf-8")
            print(f"\nbrowser test: step {name!r} failed; its screenshot and page are in {self.folder}")
            raise


# ------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module", autouse=True)
def tools() -> dict[str, str]:
    """Chromium and ChromeDriver (Debian's) and Selenium, or a skip that says which is missing.

    Autouse, so that nothing is built or started where the test cannot run.
    """
    chromium = _program("chromium", "/usr/bin/chromium")
    chromedriver = _program("chromedriver", "/usr/bin/chromedriver")
    missing = []
    if chromium is None:
        missing.append("chromium (Debian package chromium)")
    if chromedriver is None:
        missing.append("chromedriver (Debian package chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -c constraints.txt -e '.[test]')")
    if missing:
        reason = "the real-browser test needs " + ", ".join(missing)
        if chromium is None or chromedriver is None:
            reason += "; .ci/run installs Debian's chromium and chromium-driver as root"
        print(f"\nbrowser test skipped: {reason}")
        pytest.skip(reason)
    return {"chromium": chromium, "chromedriver": chromedriver}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """The folder of the screenshots (printed)."""
    folder = tmp_path_factory.mktemp("browser-screenshots")
    print(f"\nbrowser test: screenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the toy course with ``$x^2$`` in its introduction, released (gradebook made).

    Its config gets the course's MathJax setting (``c.HTMLExporter.extra_template_basedirs``,
    as in ``nbgrader_config.py``), which the toy course's config lacks.
    """
    from grader.autograde import ensure_tools_on_path
    from grader.release import generate_release

    ensure_tools_on_path()
    root = tmp_path_factory.mktemp("browser-course") / "course"
    shutil.copytree(TOY, root)
    source = root / "source" / ASSIGNMENT / NOTEBOOK
    nb = nbformat.read(str(source), as_version=4)
    intro = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "intro")
    intro.source += f"\n\nFor the record, the square of $x$ is {LATEX}."
    nbformat.write(nb, str(source))
    config = root / "nbgrader_config.py"  # the course's MathJax setting (nbgrader_config.py), for the formgrader
    config.write_text(config.read_text() + "\nfrom grader.templates import TEMPLATE_BASEDIRS  # noqa: E402\n\n"
                      "c.HTMLExporter.extra_template_basedirs = TEMPLATE_BASEDIRS\n")
    generate_release(root)
    return root


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory) -> str:
    """``jupyter lab`` in the course root on 127.0.0.1 (a free port, no token): its base URL.

    The TA's setup (the venv's Jupyter config only: the formgrader and Validate are on), with
    its own config, data, settings and workspace folders so that nothing of this machine's
    Jupyter state leaks in. The server's log is ``jupyter.log`` beside them.
    """
    home = tmp_path_factory.mktemp("browser-jupyter")
    (home / "config" / "labconfig").mkdir(parents=True)
    (home / "config" / "labconfig" / "page_config.json").write_text(json.dumps(LAB_PAGE_CONFIG))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    with jupyter_lab(course, env, home / "jupyter.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(tools, shots, tmp_path_factory) -> Browser:
    """Headless Chromium driven by ChromeDriver, with a new empty profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("browser-chromium-profile")
    options = Options()
    options.binary_location = tools["chromium"]
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=tools["chromedriver"], log_output=str(shots / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield Browser(driver, shots)
    finally:
        driver.quit()


def _run_grader(course: Path, *args: str) -> str:
    """Run ``python -m grader <args> --root <course>`` as the TA would; return what it printed."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader", *args, "--root", str(course)], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    print(f"\nbrowser test: python -m grader {' '.join(args)}: {time.monotonic() - start:.0f} s")
    assert done.returncode == 0, f"python -m grader {' '.join(args)} exited {done.returncode}:\n{out}"
    return out


def _answer_cell(nb) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))


@pytest.fixture(scope="module")
def graded(course) -> Path:
    """The student's notebook handed in twice, autograded and its feedback written (the TA's commands).

    STUDENT's copy comes with the ``timestamp.txt`` that ``nbgrader collect`` writes;
    HAND_COPIED's is the bare notebook. The notebook is the one the student test saved through
    JupyterLab; run alone, this fixture writes the same answer into the release notebook itself.
    Returns STUDENT's feedback page.
    """
    worked = course / "work" / ASSIGNMENT / NOTEBOOK
    nb = nbformat.read(str(worked if worked.exists() else course / "release" / ASSIGNMENT / NOTEBOOK),
                       as_version=4)
    if not worked.exists():
        _answer_cell(nb).source = "\n".join(ANSWER_LINES)
    for student in (STUDENT, HAND_COPIED):
        handed_in = course / "submitted" / student / ASSIGNMENT
        handed_in.mkdir(parents=True)
        nbformat.write(nb, str(handed_in / NOTEBOOK))
    (course / "submitted" / STUDENT / ASSIGNMENT / "timestamp.txt").write_text(HANDED_IN + "\n")
    out = _run_grader(course, "autograde")
    assert "graded 2," in out, out
    _run_grader(course, "feedback")
    page = course / "feedback" / STUDENT / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    assert page.is_file(), f"no feedback page at {page}"
    return page


# ------------------------------------------------------------------------------------ JupyterLab helpers

def _kernel_idle(driver, lab: str, path: str) -> bool:
    """Whether the notebook at ``path`` has a kernel (the server's sessions) that both the server and
    the page (the notebook toolbar's status and the status bar) show idle."""
    with urllib.request.urlopen(f"{lab}/api/sessions", timeout=10) as answer:
        sessions = json.load(answer)
    if not any(s.get("path") == path and (s.get("kernel") or {}).get("execution_state") == "idle" for s in sessions):
        return False
    return driver.execute_script(
        "const s = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');"
        "const bar = document.querySelector('.jp-StatusBar-TextItem[title^=\"Change kernel\"]');"
        "return !!s && s.getAttribute('data-status') === 'idle' && !!bar && bar.textContent.endsWith('| Idle');")


def _open_notebook(b: Browser, lab: str, path: str, code_cells: int) -> None:
    """Open a notebook in JupyterLab; wait for its cells, its Validate button and its idle kernel."""
    b.get(f"{lab}/lab/tree/{path}")
    b.css(".jp-NotebookPanel .validate-button", "nbgrader's Validate button in the notebook toolbar", 120)
    b.wait(lambda d: len(_prompts(d)) == code_cells, f"the notebook's {code_cells} code cells")
    b.wait(lambda d: _kernel_idle(d, lab, path), "the notebook's kernel to start and be idle", 120)


def _validate(b: Browser) -> tuple[str, list[str]]:
    """Press Validate, wait for nbgrader's "Validation Results" dialog; return its text and classes."""
    b.click(".jp-NotebookPanel jp-button.validate-button", "the Validate button")
    message = b.css(".jp-Dialog #validation-message", "the validation dialog", 120)
    dialog = b.css(".jp-Dialog", "the validation dialog")
    return dialog.text, (message.get_attribute("class") or "").split()


def _close_dialog(b: Browser) -> None:
    """Press the dialog's OK button and wait for the dialog to go."""
    from selenium.webdriver.common.by import By

    b.click(".jp-Dialog .jp-Dialog-button.jp-mod-accept", "the dialog's OK button")
    b.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"), "the dialog to close")


def _prompts(driver) -> list[str]:
    """The execution prompts of the code cells (``[1]:``, ``[*]:``, ``[ ]:``), in order."""
    return driver.execute_script(
        "return [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]"
        ".map(p => p.textContent.trim());")


def _outputs(driver) -> list[str]:
    """The text of every output of the notebook, in order."""
    return driver.execute_script(
        "return [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]"
        ".map(o => o.innerText.trim());")


def _menu(b: Browser, menu: str, item: str) -> None:
    """Click ``menu`` > ``item`` in JupyterLab's menu bar (by their labels; ``item`` may omit a trailing "...")."""
    from selenium.webdriver.common.by import By

    b.wait(lambda d: next((i for i in d.find_elements(By.CSS_SELECTOR, "#jp-MainMenu .lm-MenuBar-item")
                           if i.text.strip() == menu), False), f"the {menu} menu").click()
    b.wait(lambda d: next((i for i in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-menu .lm-Menu-item")
                           if i.is_displayed() and "lm-mod-disabled" not in (i.get_attribute("class") or "")
                           and i.text.strip().startswith(item)), False),
           f"{menu} > {item} (enabled)").click()


def _submission_row(b: Browser, student: str):
    """The row of ``student`` on the formgrader's Manage Submissions page, once its status is shown."""
    from selenium.webdriver.common.by import By

    def row(driver):
        for tr in driver.find_elements(By.CSS_SELECTOR, "tr"):
            ids = tr.find_elements(By.CSS_SELECTOR, ".student-id")
            if ids and ids[0].text.strip() == student and tr.find_element(By.CSS_SELECTOR, ".status").text.strip():
                return tr
        return False

    return b.wait(row, f"the formgrader to list {student} with a status")


# ------------------------------------------------------------------------------------ the tests

def test_student_validates_and_runs_a_release_notebook_in_jupyterlab(course, lab, browser):
    """a) and b): Validate fails on the untouched notebook; typed answer, Restart and Run All,
    output shown; Validate succeeds and has saved the answer."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    b = browser
    work = course / "work" / ASSIGNMENT  # the student's copy of release/toy (README, "Students")
    work.mkdir(parents=True)
    shutil.copy(course / "release" / ASSIGNMENT / NOTEBOOK, work / NOTEBOOK)
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(str(work / NOTEBOOK), as_version=4).cells)

    with b.step("open the notebook"):
        _open_notebook(b, lab, f"work/{ASSIGNMENT}/{NOTEBOOK}", code_cells)
        assert _prompts(b.driver) == ["[ ]:"] * code_cells, _prompts(b.driver)
        b.shot("jupyterlab-release-notebook")

    with b.step("validate the untouched notebook"):
        text, classes = _validate(b)
        b.shot("validate-untouched-fails")
        assert "Validation Results" in text, text
        assert "validation-failed" in classes, (classes, text)
        assert text.count("The following cell failed:") == 2, text  # both test cells, the answer is missing
        assert "NameError: name 'answer' is not defined" in text, text
        _close_dialog(b)

    with b.step("type the answer"):
        cell = b.wait(lambda d: next((c for c in d.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell")
                                      if "raise NotImplementedError()" in c.text), False),
                      "the answer cell (raise NotImplementedError())")
        editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
        editor.click()
        ActionChains(b.driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
        editor.send_keys("\n".join(ANSWER_LINES))
        b.wait(lambda d: editor.text == "\n".join(ANSWER_LINES),
               f"the answer cell to read {ANSWER_LINES!r}", 10)
        ActionChains(b.driver).send_keys(Keys.ESCAPE).perform()  # leave edit mode
        b.shot("answer-typed")

    with b.step("restart the kernel and run all cells"):
        _menu(b, "Kernel", "Restart Kernel and Run All Cells")
        dialog = b.css(".jp-Dialog", "the restart confirmation")
        assert "Restart" in dialog.text, dialog.text
        b.shot("restart-run-all-confirm")
        _close_dialog(b)  # its accept button: "Restart"
        expected = [f"[{i}]:" for i in range(1, code_cells + 1)]
        b.wait(lambda d: _prompts(d) == expected and _kernel_idle(d, lab, f"work/{ASSIGNMENT}/{NOTEBOOK}"),
               f"every code cell to run once, in order, in the new kernel ({expected})", 120)
        assert _outputs(b.driver) == [OUTPUT], _outputs(b.driver)  # the print; no traceback anywhere
        b.shot("run-all-output")

    with b.step("validate the answered notebook"):
        text, classes = _validate(b)
        b.shot("validate-success")
        assert "validation-success" in classes, (classes, text)
        assert "Success! Your notebook passes all the tests." in text, text
        _close_dialog(b)

    saved = nbformat.read(str(work / NOTEBOOK), as_version=4)  # Validate saves the notebook first
    assert _answer_cell(saved).source == "\n".join(ANSWER_LINES)


def test_ta_sees_the_score_in_the_formgrader_and_feedback_without_hidden_tests(course, lab, browser, graded):
    """c): after ``python -m grader autograde`` and ``feedback``, the formgrader lists the student with
    3 / 3 and the feedback page shows the score and the visible test but no hidden test."""
    from selenium.webdriver.common.by import By

    b = browser
    with b.step("formgrader submissions"):
        b.get(f"{lab}/formgrader/manage_submissions/{ASSIGNMENT}")
        row = _submission_row(b, STUDENT)
        b.shot("formgrader-manage-submissions")
        assert row.find_element(By.CSS_SELECTOR, ".score").text.strip() == "3 / 3", row.text
        assert row.find_element(By.CSS_SELECTOR, ".status").text.strip() == "graded", row.text
        assert HANDED_IN[:19] in row.text, row.text  # the collected hand-in time, not the grading time

    with b.step("feedback page"):
        b.follow(f"{lab}/files/feedback/{STUDENT}/{ASSIGNMENT}/{graded.name}")  # from the formgrader's page
        b.wait(lambda d: "(Score: 3.0 / 3.0)" in b.text(), "the feedback page's score (Score: 3.0 / 3.0)")
        b.shot("feedback-page")
        seen = b.text()
        assert f"{ASSIGNMENT} (Score: 3.0 / 3.0)" in seen, seen
        assert "assert doubled[0] == 4" in seen, seen  # the visible test is shown, as code text
        hidden = hidden_lines(course / "source" / ASSIGNMENT / NOTEBOOK)
        assert hidden == ["assert doubled[1] == -6"], hidden
        page = html.unescape(re.sub(r"<[^>]+>", "", b.driver.page_source))
        for line in hidden:
            assert line not in seen and line not in page, f"the hidden test {line!r} is on the feedback page"
        assert "HIDDEN TESTS" not in b.driver.page_source


def _mathjax_state(driver) -> dict:
    """What MathJax did on the page: its version, the rendered elements' text, the scripts fetched."""
    return driver.execute_script("""
        const rendered = [...document.querySelectorAll(
            '.MathJax_CHTML, span.MathJax, .MathJax_SVG, mjx-container, [id^="MathJax-Element-"][id$="-Frame"]')];
        return {
            version: (window.MathJax && window.MathJax.version) || null,
            rendered: rendered.map(e => e.textContent),
            fetched: performance.getEntriesByType('resource').map(e => e.name)
                       .filter(n => /mathjax/i.test(n)),
        };""")


def _squared(text: str) -> bool:
    """Whether a typeset element reads x2 (STIX-Web writes the italic x as U+1D465, mathematical
    italic small x: NFKC makes it x)."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).startswith("x2")


def test_formgrader_and_feedback_typeset_latex_with_the_servers_mathjax(course, lab, browser, graded):
    """d): the formgrader's submission page and the feedback page typeset ``$x^2$`` with the MathJax
    the Jupyter server serves (jupyter_server_mathjax): this machine has no network, so a page that
    asked a CDN for it would show the raw ``$x^2$``."""
    from nbgrader.api import Gradebook

    b = browser
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "toy-course") as gb:
        submission_id = gb.find_submission_notebook(NOTEBOOK.removesuffix(".ipynb"), ASSIGNMENT, STUDENT).id
    pages = {"formgrader-submission": f"{lab}/formgrader/submissions/{submission_id}/?index=0",
             "feedback": f"{lab}/files/feedback/{STUDENT}/{ASSIGNMENT}/{graded.name}"}
    b.get(f"{lab}/formgrader/manage_submissions/{ASSIGNMENT}")
    for name, url in pages.items():
        with b.step(f"mathjax on the {name} page"):
            b.follow(url)  # as a link clicked on the formgrader's page
            b.wait(lambda d: "the square of" in b.text(), f"the {name} page's introduction")
            last: list[dict] = [{}]

            def typeset(driver):
                last[0] = _mathjax_state(driver)
                # typeset = the formula's text in an element: HTML-CSS makes the elements first and
                # fills them once its web fonts have loaded
                return last[0]["version"] and any(_squared(t) for t in last[0]["rendered"]) and last[0]

            try:
                state = b.wait(typeset, f"MathJax to load and typeset {LATEX} on the {name} page")
            except AssertionError as e:
                raise AssertionError(f"{e}; what MathJax had done: {last[0]}") from None
            b.shot(f"mathjax-{name}")
            assert any("/static/jupyter_server_mathjax/" in f for f in state["fetched"]), state
            assert not any("cdn" in f for f in state["fetched"]), state
            assert any(_squared(t) for t in state["rendered"]), state
            assert LATEX not in b.text(), f"raw LaTeX shown on the {name} page"


def test_formgrader_shows_a_hand_copied_submission_as_graded(course, lab, browser, graded):
    """The README's way of handing in (the notebook copied into submitted/, no timestamp.txt): after
    ``python -m grader autograde`` the formgrader shows it graded, 3 / 3, at the notebook's file time.

    nbgrader's formgrader lists a submission as autograded only when the gradebook's time equals
    ``submitted/``'s ``timestamp.txt``; before the grader wrote that file for a hand copy, this page
    said "needs autograding" with no score.
    """
    import datetime

    from selenium.webdriver.common.by import By

    b = browser
    notebook = course / "submitted" / HAND_COPIED / ASSIGNMENT / NOTEBOOK
    file_time = datetime.datetime.fromtimestamp(notebook.stat().st_mtime, datetime.timezone.utc)
    with b.step("formgrader hand-copied submission"):
        b.get(f"{lab}/formgrader/manage_submissions/{ASSIGNMENT}")
        row = _submission_row(b, HAND_COPIED)
        b.shot("formgrader-hand-copied")
        assert row.find_element(By.CSS_SELECTOR, ".status").text.strip() == "graded", row.text
        assert row.find_element(By.CSS_SELECTOR, ".score").text.strip() == "3 / 3", row.text
        shown = row.find_element(By.CSS_SELECTOR, ".timestamp").text.strip()
        assert shown == file_time.strftime("%Y-%m-%d %H:%M:%S UTC"), (shown, file_time)  # not the grading time
