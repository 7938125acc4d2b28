"""Every number the lesson's prose states, checked against what the notebook computes.

The markdown cannot compute anything, so this test holds, for every markdown cell that
states numbers, the exact list of those numbers (math, code and link targets left out: the
code computes them itself) and what each one is:

* ``value``: a measured or data fact, checked against the executed lesson (the probe of
  ``tests/test_lesson.py``) or the data sets the lesson loads;
* ``setting``: a hyperparameter the prose names, which must appear in the code next to it
  (the cell's own code block, or the code cells just before and after);
* ``fact``: a number that is not computed (a rule of thumb, a version, a definition), with
  its reason.

Changing any number in the prose breaks the exact list, and changing the code or the data
under a number breaks its check: :func:`test_changing_any_number_is_caught` edits every
number in turn to prove it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_lesson import executed_lesson  # noqa: E402  (one execution shared with test_lesson)

from main_ingredients import datasets, lesson  # noqa: E402
from main_ingredients.run_lesson import LESSON_NOTEBOOK, ROOT  # noqa: E402

#: A number as prose writes it: 1,000 / 0.5 / 1e-7 / 20% / -1 (not inside a word or a version).
NUMBER = re.compile(r"(?<![\w.$\\-])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e-\d+)?%?(?![\w%])")


def prose(markdown: str) -> str:
    """The markdown without code blocks, inline code, math, link targets and list numbers."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"^\s*\d+\.\s", " ", text, flags=re.M)


def numbers_in(markdown: str) -> list[str]:
    """The numbers the prose of one markdown cell states, in order."""
    return [m.group() for m in NUMBER.finditer(prose(markdown))]


@dataclass(frozen=True)
class N:
    """One number of the prose: its text and how it is checked."""

    text: str
    kind: str  # "value", "setting" or "fact"
    check: Callable[[dict], bool] | str | None = None  # value: predicate; setting: regex; fact: reason


def value(text, predicate):
    return N(text, "value", predicate)


def setting(text, pattern):
    return N(text, "setting", pattern)


def fact(text, reason):
    return N(text, "fact", reason)


def _python_versions(ctx):
    return re.search(r'requires-python = ">=3\.11,<3\.14"', ctx["pyproject"]) is not None


TRUTH = {"intercept": 30.0, "slope": 5.0}

#: phrase identifying the markdown cell -> the numbers it states, in order.
SPEC: dict[str, list[N]] = {
    "# Main ingredients of deep learning": [
        value("3", lambda c: c["keras_major"] == 3),
        fact("2020", "the workshop: rstudio::conf 2020"),
        fact("4.0", "the licence: CC BY-SA 4.0"),
    ],
    "## Installation": [
        value("3", lambda c: c["keras_major"] == 3),
        value("3.11", _python_versions), value("3.12", _python_versions), value("3.13", _python_versions),
        value("3", lambda c: '--display-name "Python 3 (course)"' in c["makefile"]),
    ],
    "## A perceptron versus ordinary least squares": [
        value("1,000", lambda c: len(c["linear"]) == 1000),
        value("-1", lambda c: -1 <= c["linear"]["x"].min() < -0.99),
        value("1", lambda c: 0.99 < c["linear"]["x"].max() <= 1),
        value("30", lambda c: c["linear_defaults"]["intercept"] == 30),
        value("5", lambda c: c["linear_defaults"]["slope"] == 5),
    ],
    "The estimates printed above are close": [
        value("30", lambda c: abs(c["lm"][0] - 30) < 0.05),
        value("5", lambda c: abs(c["lm"][1] - 5) < 0.05),
        value("1", lambda c: abs(c["lm"][2] - 1) < 0.01),
        value("1", lambda c: c["linear_defaults"]["sd"] == 1),
    ],
    "### The data as arrays": [fact("1", "1-D tensor"), fact("2", "2-D tensor")],
    "## Training a network in three steps": [fact("1", "step 1's heading")],
    "### 2. How the model learns": [fact("2", "step 2's heading")],
    "### 3. Training": [fact("3", "step 3's heading"), value("32", lambda c: c["fit_batch_doc"])],
    "The weights of the perceptron are the kernel": [
        fact("1", "a 1 x 1 kernel"), fact("1", "a 1 x 1 kernel"),
        value("5", lambda c: TRUTH["slope"] == c["linear_defaults"]["slope"]),
        value("30", lambda c: TRUTH["intercept"] == c["linear_defaults"]["intercept"]),
    ],
    "### Your turn: a perceptron for 25 epochs": [
        setting("25", r"epochs=25"), setting("25", r"epochs=25"),
        value("5", lambda c: c["linear_defaults"]["slope"] == 5),
        value("30", lambda c: c["linear_defaults"]["intercept"] == 30),
        setting("10", r"epochs=10"),
    ],
    "## Watching gradient descent": [setting("25", r"epochs=25, verbose=0,\n\s+callbacks"),
                                     fact("0", "Keras passes on_epoch_end a 0-based epoch (the trace test checks 1..25)")],
    "Each row of the table gives a line": [setting("25", r"epochs=25, verbose=0,\n\s+callbacks")],
    "Next, a yes/no outcome": [
        value("0", lambda c: set(c["binary"]["y"]) == {0, 1}),
        value("1", lambda c: set(c["binary"]["y"]) == {0, 1}),
    ],
    "### The sigmoid activation": [
        fact("0", "sigmoid range"), fact("1", "sigmoid range"), fact("0", "sigmoid limit"),
        fact("1", "sigmoid limit"), fact("0", "sigmoid(0) = 1/2"),
    ],
    "### A sigmoid perceptron": [fact("1", "class 1"), setting("50", r"epochs=50")],
    "`fit` returns a `History` object": [
        setting("50", r"range\(1, 51\)|epochs=50"),
    ],
    "The default learning rate of Keras' SGD": [value("3", lambda c: c["keras_major"] == 3)],
    "Without momentum the steps along the shallow": [setting("0.5", r"momentum=0\.5")],
    "### Your turn: learning rate and momentum": [
        fact("0.1", "rule of thumb"), fact("1e-7", "rule of thumb"), fact("0.5", "rule of thumb"),
        fact("0.9", "rule of thumb"), fact("0.99", "rule of thumb"), setting("50", r"epochs=50"),
    ],
    "Common values to try lie": [
        fact("0.1", "rule of thumb"), fact("1e-7", "rule of thumb"), fact("0.5", "rule of thumb"),
        fact("0.9", "rule of thumb"), fact("0.99", "rule of thumb"),
    ],
    "## Non-linear patterns": [
        value("-1", lambda c: c["sine"]["x"].min() == -1),
        value("0.2", lambda c: c["sine_defaults"]["sd"] == 0.2 and abs(c["sine"]["e"].std() - 0.2) < 0.02),
    ],
    "### Multi-layer perceptrons": [setting("16", r"Dense\(16, activation=\"relu\"\)")],
    "ReLU is the default choice for hidden layers": [
        fact("2011", "year of the cited paper"), fact("1", "ReLU's gradient for positive inputs"),
    ],
    "Let's fit one hidden layer of 16 ReLU units": [
        setting("16", r"Dense\(16, activation=\"relu\"\)"),
        setting("0.01", r"learning_rate=0\.01"), setting("0.9", r"momentum=0\.9"),
    ],
    "### Model capacity": [
        fact("2", "powers of 2"), fact("16", "a power of 2"), fact("32", "a power of 2"),
        fact("64", "a power of 2"), setting("16", r"Dense\(16, activation=\"relu\"\),\n    keras\.layers\.Dense\(16"),
    ],
    "### Your turn: width and depth": [
        fact("32", "a width to try"), fact("64", "a width to try"), fact("128", "a width to try"),
        fact("256", "a width to try"), setting("50", r"epochs=50"),
        value("20%", lambda c: c["capacity_tolerance"] == 0.20),
    ],
    "Now three predictors and four classes": [
        value("0.3", lambda c: c["multiclass_defaults"]["sd"] == 0.3),
    ],
    "### Preparing the data": [fact("0", "to_categorical numbers labels from 0")],
    "### A validation split and learning curves": [
        setting("20%", r"validation_split=0\.2"), setting("20%", r"validation_split=0\.2"),
        fact("1", "softmax outputs sum to 1"),
    ],
    "Because the rows are sorted by class": [
        value("20%", lambda c: set(c["multiclass"]["class"].iloc[int(0.8 * len(c["multiclass"])):]) == {4}),
        value("4", lambda c: set(c["multiclass"]["class"].iloc[int(0.8 * len(c["multiclass"])):]) == {4}),
        value("1", lambda c: set(c["multiclass"]["class"]) == {1, 2, 3, 4}),
        value("3", lambda c: set(c["multiclass"]["class"]) == {1, 2, 3, 4}),
        fact("0", "0-based indices"),
    ],
    "**A small gap.**": [
        fact("32", "Keras' default batch size"), fact("2", "powers of 2"), fact("32", "a power of 2"),
        fact("64", "a power of 2"), fact("128", "a power of 2"), fact("256", "a power of 2"),
        fact("512", "a power of 2"), setting("32", r"\[32, 128, split_at\]"), setting("10", r"epochs=10"),
    ],
    "The validation loss per epoch tells the same story": [
        setting("10", r"epochs=10"),
    ],
    "each row sums to 1": [fact("1", "softmax rows sum to 1")],
    "The predicted class is the column": [
        fact("1", "labels from 1"), fact("0", "0-based columns"), fact("1", "labels 1 to 4"), fact("4", "labels 1 to 4"),
    ],
    "mini-batches\n  of 32 to 256": [fact("32", "rule of thumb"), fact("256", "rule of thumb")],
    "## Mini-project: iris": [value("50", lambda c: set(c["iris"]["species"].value_counts()) == {50})],
    "### A starting model": [
        setting("16", r"Dense\(16, activation=\"relu\"\)"), setting("0.01", r"learning_rate=0\.01"),
        setting("20", r"epochs=20"), setting("32", r"batch_size=32"), setting("20%", r"validation_split=0\.2"),
    ],
    "With only 30 validation flowers": [
        value("30", lambda c: len(c["iris"]) - int(len(c["iris"]) * (1 - 0.2)) == 30),
    ],
}


def _nearby_code(cells, index: int) -> str:
    """The markdown cell's own code blocks and the code of the 6 code cells before and 4 after."""
    own = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", cells[index].source, flags=re.S))
    before = [c.source for c in cells[:index] if c.cell_type == "code"][-6:]
    after = [c.source for c in cells[index + 1:] if c.cell_type == "code"][:4]
    return "\n".join([own, *before, *after])


def structure_problems(cells) -> list[str]:
    """Markdown numbers that differ from :data:`SPEC` (no execution needed)."""
    problems, matched = [], set()
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        stated = numbers_in(cell.source)
        keys = [k for k in SPEC if k in cell.source]
        if len(keys) > 1:
            problems.append(f"markdown cell {i} matches several entries: {keys}")
            continue
        if not keys:
            if stated:
                problems.append(f"markdown cell {i} states {stated} that no test checks: "
                                f"{cell.source.splitlines()[0]!r}")
            continue
        matched.add(keys[0])
        expected = [n.text for n in SPEC[keys[0]]]
        if stated != expected:
            problems.append(f"{keys[0]!r}: the prose states {stated}, the test expects {expected}")
    problems += [f"no markdown cell contains {k!r} any more" for k in SPEC if k not in matched]
    return problems


def check_problems(cells, ctx: dict, kinds=("value", "setting")) -> list[str]:
    """Numbers whose check fails (of the given `kinds`)."""
    problems = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        keys = [k for k in SPEC if k in cell.source]
        if len(keys) != 1:
            continue
        code = _nearby_code(cells, i)
        for n in SPEC[keys[0]]:
            if n.kind not in kinds:
                continue
            if n.kind == "value" and not n.check(ctx):
                problems.append(f"{keys[0]!r}: {n.text} disagrees with the executed lesson or its data")
            elif n.kind == "setting" and not re.search(n.check, code):
                problems.append(f"{keys[0]!r}: {n.text} is not what the code next to it sets ({n.check})")
    return problems


def _defaults(function) -> dict:
    import inspect

    return {k: p.default for k, p in inspect.signature(function).parameters.items()}


@pytest.fixture(scope="module")
def source_cells():
    return nbformat.read(LESSON_NOTEBOOK, as_version=4).cells


# --------------------------------------------------------------------------------------- fast
def test_every_number_in_the_prose_is_accounted_for(source_cells):
    assert structure_problems(source_cells) == []


def test_changing_any_number_is_caught(source_cells):
    caught, total = 0, 0
    for i, cell in enumerate(source_cells):
        if cell.cell_type != "markdown" or not numbers_in(cell.source):
            continue
        for match in NUMBER.finditer(cell.source):
            # only numbers of the prose (not inside code or math) count
            if match.group() not in numbers_in(cell.source):
                continue
            mutated = [c.copy() for c in source_cells]
            changed = match.group().replace(match.group().rstrip("%").lstrip("-")[-1],
                                            str((int(match.group().rstrip("%")[-1]) + 1) % 10), 1) \
                if match.group().rstrip("%")[-1].isdigit() else match.group() + "1"
            mutated[i] = nbformat.v4.new_markdown_cell(cell.source[:match.start()] + changed + cell.source[match.end():])
            if numbers_in(mutated[i].source) == numbers_in(cell.source):
                continue  # the match was inside code or math: not prose
            total += 1
            caught += bool(structure_problems(mutated))
    assert total > 100
    assert caught == total


def test_prose_parser():
    assert numbers_in("n = 1,000 rows, `epochs=50`, $y = 30 + 5x$, 20% and 1e-7; 3.11 and 0.5.") == [
        "1,000", "20%", "1e-7", "3.11", "0.5"]
    assert numbers_in("1. a step\n2. another with 16 units") == ["16"]


# --------------------------------------------------------------------------------------- slow
@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_numbers_in_the_prose_match_the_executed_lesson():
    import keras
    from keras.src.trainers.trainer import Trainer  # Model.fit's docstring lives here

    cells, values = executed_lesson()
    ctx = dict(values)
    ctx.update(
        keras_major=int(keras.__version__.split(".")[0]),
        pyproject=(ROOT / "pyproject.toml").read_text(),
        makefile=(ROOT / "Makefile").read_text(),
        linear=datasets.linear_regression(),
        linear_defaults=_defaults(datasets.linear_regression),
        binary=datasets.binary_classification(),
        sine=datasets.sine(),
        sine_defaults=_defaults(datasets.sine),
        multiclass=datasets.multiclass(),
        multiclass_defaults=_defaults(datasets.multiclass),
        iris=datasets.iris(),
        capacity_tolerance=_defaults(lesson.check_capacity_exercise)["tolerance"],
        fit_batch_doc="`batch_size` will default to 32" in " ".join((Trainer.fit.__doc__ or "").split()),
    )
    assert structure_problems(cells) == []
    assert check_problems(cells, ctx) == []


@pytest.mark.slow
@pytest.mark.xdist_group("lesson")
def test_a_changed_setting_or_value_is_caught():
    cells, values = executed_lesson()
    ctx = {"lm": [31.0, 5.0, 1.0, 1.0], "linear_defaults": {"intercept": 30, "slope": 5, "sd": 1}}
    spec = SPEC["The estimates printed above are close"]
    assert not spec[0].check(ctx), "an OLS intercept of 31 must contradict the prose's 30"
    # a setting the code no longer uses: the iris starting model trained for 30 epochs, not 20
    assert check_problems(cells, {}, kinds=("setting",)) == []
    i = next(i for i, c in enumerate(cells) if "### A starting model" in c.source)
    edited = [c.copy() for c in cells]
    j = next(j for j in range(i + 1, len(cells)) if cells[j].cell_type == "code")
    assert "epochs=20" in cells[j].source
    edited[j] = nbformat.v4.new_code_cell(cells[j].source.replace("epochs=20", "epochs=30"))
    problems = check_problems(edited, {}, kinds=("setting",))
    assert problems == ["'### A starting model': 20 is not what the code next to it sets (epochs=20)"]
