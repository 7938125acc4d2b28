"""The numbers the markdown of assignments 01-05 states, checked against their sources.

Issue 11, item 4: every number the prose states is computed by the notebook (by the same course
functions the notebook calls: the data sets, the baselines, the check library's constants) or
quoted from ``docs/calibration.json`` (the record ``make calibrate`` writes, whose tables are
``docs/calibration.md``), with the source named in the text. Each :class:`Claim` below is a
piece of markdown with its numbers left out (``{}``) and the sources that fill them in; the
rendered text must occur in the notebook. Every decimal number and every number of 100 or more
in the markdown must belong to a claim (or to an :data:`EXAMPLES` phrase: examples and
conventions, not facts), so a changed number, in the text or in its source, fails a test.

One claim is measured by training (02's "about 700 epochs" of Keras' default SGD): it runs
only with the slow tests.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "docs" / "calibration.json"
NOTEBOOKS = {p.parent.name: p for p in sorted((ROOT / "source").glob("0[1-5]-*/*.ipynb"))}
#: A number as the prose writes it: 1,000 / 0.1242 / 25 (not the digits inside names such as x1).
NUMBER = re.compile(r"(?<![\w.^])\d+(?:,\d{3})*(?:\.\d+)?(?![\w^])")
HEADER_POINTS = re.compile(r"^\*\*Check, \d+ points?:\*\* ")  # checked by tests/test_check_headers.py


@dataclass(frozen=True)
class Claim:
    """Markdown text with its numbers as ``{}`` fields, and the source of each number."""

    template: str
    sources: tuple[Callable[[], Any], ...]
    slow: bool = False

    def render(self) -> str:
        return self.template.format(*(source() for source in self.sources))


def claim(template: str, *sources: Callable[[], Any], slow: bool = False) -> Claim:
    return Claim(template, tuple(sources), slow)


# --------------------------------------------------------------------------- sources

def constant(module: str, name: str) -> Callable[[], Any]:
    """A constant of the check library, e.g. ``constant("perceptron", "MAX_MSE")``."""
    return lambda: getattr(importlib.import_module(f"main_ingredients.checks.{module}"), name)


@functools.lru_cache(maxsize=None)
def _calibration() -> dict:
    return json.loads(CALIBRATION.read_text(encoding="utf-8"))["assignments"]


def reference_spread(assignment: str, quantity: str, which: str) -> Callable[[], float]:
    """min / median / max of a quantity over the reference runs recorded in docs/calibration.json."""
    def source() -> float:
        values = [run["values"][quantity] for run in _calibration()[assignment]["variants"]["reference"]["runs"]]
        return {"min": min, "median": statistics.median, "max": max}[which](values)
    return source


def reference_seeds(assignment: str) -> Callable[[], int]:
    return lambda: len(_calibration()[assignment]["variants"]["reference"]["runs"])


@functools.lru_cache(maxsize=None)
def _ols():
    from main_ingredients import baselines, checks

    x, y = checks.perceptron.data()
    return baselines.ols(x, y)


@functools.lru_cache(maxsize=None)
def _logreg() -> float:
    from main_ingredients import checks

    return checks.momentum.logreg_loss()


def ols(field: str) -> Callable[[], float]:
    return lambda: getattr(_ols(), field)


def rows(loader: Callable[[], Any]) -> Callable[[], int]:
    return lambda: len(loader())


def dataset(name: str, **kwargs) -> Callable[[], Any]:
    def load():
        from main_ingredients import datasets

        return getattr(datasets, name)(**kwargs)
    return load


def default(function: str, parameter: str) -> Callable[[], Any]:
    """The default value of a parameter of a ``main_ingredients.datasets`` function (the data cell uses it)."""
    import inspect

    def source():
        from main_ingredients import datasets

        return inspect.signature(getattr(datasets, function)).parameters[parameter].default
    return source


def config(pattern: str) -> Callable[[], float]:
    """A number set in nbgrader_config.py (``pattern`` has one group)."""
    def source() -> float:
        match = re.search(pattern, (ROOT / "nbgrader_config.py").read_text(encoding="utf-8"))
        assert match, pattern
        return float(match.group(1))
    return source


def sealed_timeout() -> float:
    """Seconds the sealed checks (the grader's re-training) get per notebook (``SealedChecks.timeout``)."""
    from grader.preprocessors.sealed import SealedChecks

    return float(SealedChecks.timeout.default_value)


def dense_parameters(assignment: str, variable: str) -> Callable[[], int]:
    """Parameters of the reference solution's model ``variable`` (one input), from its ``Dense(units`` calls."""
    def source() -> int:
        nb = nbformat.read(str(NOTEBOOKS[assignment]), as_version=4)
        code = next(c.source for c in nb.cells if c.cell_type == "code" and f"{variable} = keras.Sequential" in c.source
                    and "### BEGIN SOLUTION" in c.source)
        solution = code.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        units = [int(u) for u in re.findall(r"Dense\((\d+)", solution)]
        sizes = [1, *units]
        return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(units)))
    return source


def value(x: Any) -> Callable[[], Any]:
    return lambda: x() if callable(x) else x


@functools.lru_cache(maxsize=None)
def default_sgd_epochs() -> tuple[int, float]:
    """02 with Keras' default SGD (0.01, no momentum), from the notebook's seed: the first epoch whose
    log-loss on the data is within the graded tolerance of logistic regression's, and the gap after 50."""
    from main_ingredients import silence_tensorflow

    silence_tensorflow()
    import keras

    from main_ingredients import checks

    x, y = checks.momentum.data()
    target, tolerance = _logreg(), checks.momentum.MAX_LOSS_GAP
    gaps: list[float] = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            kernel, bias = self.model.get_weights()
            p = 1.0 / (1.0 + np.exp(-(x[:, 0] * float(kernel[0, 0]) + float(bias[0]))))
            p = np.clip(p, checks.momentum.PROBABILITY_CLIP, 1 - checks.momentum.PROBABILITY_CLIP)
            gaps.append(float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) - target)
            if abs(gaps[-1]) <= tolerance:
                self.model.stop_training = True

    keras.utils.set_random_seed(123)  # the notebook's setup cell
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(x, y, epochs=3000, verbose=0, callbacks=[Watch()])
    assert abs(gaps[-1]) <= tolerance, "3000 epochs were not enough"
    return len(gaps), gaps[49]


def about_hundreds(x: Callable[[], float]) -> Callable[[], int]:
    """A count rounded to the nearest hundred ("about 700")."""
    return lambda: int(round(x() / 100.0) * 100)


# formats: the prose writes numbers as people do
def f(source: Callable[[], Any], spec: str) -> Callable[[], str]:
    return lambda: format(source(), spec)


def g3(source):  # three significant digits, no trailing zeros: 0.0507, 0.165, 0.078
    return f(source, ".3g")


def thousands(source):
    return f(source, ",")


def number(source):  # 0.25, 1.05, 0.015 as written in Python (float or int)
    return lambda: (lambda v: f"{v:g}" if isinstance(v, float) else str(v))(source())


# --------------------------------------------------------------------------- the claims

P, M, CAP, B, I = "perceptron", "momentum", "capacity", "batch_size", "iris"
LIN = dataset("linear_regression")
BIN = dataset("binary_classification")
SINE = dataset("sine")
SIMPLEX = dataset("multiclass", n=2000, d=3, sd=0.3, seed=123)


def _iris_x():
    from main_ingredients import datasets

    return datasets.iris_xy(shuffle=True, seed=123)[0]


def IRIS_FLOWERS() -> int:
    """The flowers of 30 that the accuracy target needs (``MIN_VAL_ACCURACY`` is 0.89: 0.9 in float32)."""
    return math.ceil(constant(I, "MIN_VAL_ACCURACY")() * constant(I, "VALIDATION_ROWS")())


def IRIS_TARGET() -> str:
    return f"{IRIS_FLOWERS() / constant(I, 'VALIDATION_ROWS')():g}"


CLAIMS: dict[str, list[Claim]] = {
    "01-perceptron": [
        claim("We simulate {} observations", thousands(rows(LIN))),
        claim("all {} observations, taken in mini-batches", thousands(rows(LIN))),
        claim("fit, on the {} observations", thousands(rows(LIN))),
        claim("fit on the {} observations", thousands(rows(LIN))),
        claim("`x` has shape `({}, 1)` and `y` has shape `({},)`", rows(LIN), rows(LIN)),
        claim("an intercept of\n{} and a slope of {}, with a mean squared error of {}.",
              f(ols("intercept"), ".2f"), f(ols("slope"), ".2f"), f(ols("mse"), ".4f")),
        claim("OLS estimates\n({} and {})", f(ols("slope"), ".2f"), f(ols("intercept"), ".2f")),
        claim("the OLS estimates ({} and {})", f(ols("slope"), ".2f"), f(ols("intercept"), ".2f")),
        claim("target below is an MSE of at most {}.", number(constant(P, "MAX_MSE"))),
        claim("the trained model's MSE at most **{}**, its slope within **{}** of\n  the true slope 5 and its "
              "intercept within **{}** of", number(constant(P, "MAX_MSE")), number(constant(P, "MAX_SLOPE_ERROR")),
              number(constant(P, "MAX_INTERCEPT_ERROR"))),
        claim("MSE at most {}, slope within {} of 5, intercept within {} of 30", number(constant(P, "MAX_MSE")),
              number(constant(P, "MAX_SLOPE_ERROR")), number(constant(P, "MAX_INTERCEPT_ERROR"))),
        claim("train it for **{} epochs**", constant(P, "EPOCHS")),
        claim("training: {} epochs in all", constant(P, "EPOCHS")),
        claim("the model was trained for {} epochs.", constant(P, "EPOCHS")),
        claim("and {} epochs of gradient descent get practically there", constant(P, "EPOCHS")),
        claim("After {} epochs the\nlearned slope", constant(P, "EPOCHS")),
    ],
    "02-learning-rate-momentum": [
        claim("Each of the {} observations", thousands(rows(BIN))),
        claim("convergence, on the {} observations", thousands(rows(BIN))),
        claim("`logreg_loss` (about {})", f(_logreg, ".4f")),
        claim("within **{}** of the\n  logistic regression's {}, that is at most **{}**.",
              number(constant(M, "MAX_LOSS_GAP")), f(_logreg, ".4f"),
              f(lambda: _logreg() + constant(M, "MAX_LOSS_GAP")(), ".4f")),
        claim("within {} of the logistic regression's (plus", number(constant(M, "MAX_LOSS_GAP"))),
        claim("needs about {} epochs\nto come within {} of logistic regression's log-loss, the tolerance this "
              "assignment grades ({} epochs,\nmeasured from this notebook's seed; after {} epochs it is still {} "
              "above).", about_hundreds(lambda: default_sgd_epochs()[0]), number(constant(M, "MAX_LOSS_GAP")),
              lambda: default_sgd_epochs()[0], constant(M, "EPOCHS"), f(lambda: default_sgd_epochs()[1], ".2f"),
              slow=True),
        claim("catches up with logistic regression in {} epochs.", constant(M, "EPOCHS")),
        claim("that get it there in {}.", constant(M, "EPOCHS")),
        claim("train for **{} epochs** with\n`history = model.fit(x, y, epochs={}, verbose=0)`",
              constant(M, "EPOCHS"), constant(M, "EPOCHS")),
        claim("training: {} epochs in all", constant(M, "EPOCHS")),
        claim("optimizer settings, {} epochs) from scratch", constant(M, "EPOCHS")),
        claim("the model was trained for {} epochs.", constant(M, "EPOCHS")),
    ],
    "03-model-capacity": [
        claim("{} values of `x` evenly spaced", thousands(rows(SINE))),
        claim("fit, on the {} observations", thousands(rows(SINE))),
        claim("with standard deviation {}.", default("sine", "sd")),
        claim("about ${}^2 = {}$ on `y`", default("sine", "sd"), f(lambda: default("sine", "sd")() ** 2, ".2g")),
        claim("(the noise\n  alone gives {})", f(lambda: default("sine", "sd")() ** 2, ".2g")),
        claim("the noise\nlevel of {} depends", f(lambda: default("sine", "sd")() ** 2, ".2g")),
        claim("MSE against `y` at most **{}** (the noise", number(constant(CAP, "MAX_WIDE_MSE"))),
        claim("against the noise-free `sin(x)` at most **{}**.", number(constant(CAP, "MAX_WIDE_SINE_MSE"))),
        claim("MSE against `y` at most {}, against `sin(x)` at most {} (plus", number(constant(CAP, "MAX_DEEP_MSE")),
              number(constant(CAP, "MAX_DEEP_SINE_MSE"))),
        claim("optimizer=keras.optimizers.SGD(learning_rate={}, momentum={})",
              constant(CAP, "LEARNING_RATE"), constant(CAP, "MOMENTUM")),
        claim("`SGD(learning_rate={}, momentum={})`", constant(CAP, "LEARNING_RATE"), constant(CAP, "MOMENTUM")),
        claim("between {} and {} units", constant(CAP, "MIN_WIDE_UNITS"), constant(CAP, "MAX_WIDE_UNITS")),
        claim("of {} to {} units", constant(CAP, "MIN_WIDE_UNITS"), constant(CAP, "MAX_WIDE_UNITS")),
        claim("outside the {} to {} units the Task 1 checks accept", constant(CAP, "MIN_WIDE_UNITS"),
              constant(CAP, "MAX_WIDE_UNITS")),
        claim("train it for **{} epochs**", constant(CAP, "EPOCHS")),
        claim("training: {} epochs in all", constant(CAP, "EPOCHS")),
        claim("settings, MSE, {} epochs)", constant(CAP, "EPOCHS")),
        claim("compile settings, {} epochs) once", constant(CAP, "EPOCHS")),
        claim("trained for {} epochs; MSE", constant(CAP, "EPOCHS")),
        # the reference models' sizes (from the reference solution's layers) and the matched width
        claim("`model_wide` (64 units) has {} parameters and its\n`model_deep` (two layers of 64) has {}, about {} "
              "times as many", dense_parameters("03-model-capacity", "model_wide"),
              thousands(dense_parameters("03-model-capacity", "model_deep")),
              lambda: round(dense_parameters("03-model-capacity", "model_deep")()
                            / dense_parameters("03-model-capacity", "model_wide")())),
        claim("a single hidden layer of {} units ({} parameters)",
              thousands(lambda: math.ceil((dense_parameters("03-model-capacity", "model_deep")() - 1) / 3)),
              thousands(lambda: 3 * math.ceil((dense_parameters("03-model-capacity", "model_deep")() - 1) / 3) + 1)),
        claim("The reference models have {} parameters", dense_parameters("03-model-capacity", "model_wide")),
        claim("and {} (`model_deep`", thousands(dense_parameters("03-model-capacity", "model_deep"))),
        claim("has about {} times as many parameters", lambda: round(
            dense_parameters("03-model-capacity", "model_deep")() / dense_parameters("03-model-capacity", "model_wide")())),
        # the measured spread, quoted from docs/calibration.json (docs/calibration.md)
        claim("over the {} seeds of the course's calibration\n(docs/calibration.md, section 03-model-capacity), the "
              "reference `model_wide` ended with an MSE between\n{} and {} (median {}) and the reference `model_deep` "
              "between {} and {} (median {}).", reference_seeds("03-model-capacity"),
              g3(reference_spread("03-model-capacity", "wide_mse", "min")),
              g3(reference_spread("03-model-capacity", "wide_mse", "max")),
              g3(reference_spread("03-model-capacity", "wide_mse", "median")),
              g3(reference_spread("03-model-capacity", "deep_mse", "min")),
              g3(reference_spread("03-model-capacity", "deep_mse", "max")),
              g3(reference_spread("03-model-capacity", "deep_mse", "median"))),
    ],
    "04-batch-size": [
        claim("We simulate {} points in three dimensions", thousands(rows(SIMPLEX))),
        claim("{} points per cloud", lambda: int(np.bincount(SIMPLEX()["class"])[1:].max())),
        claim("**Why `n={}` gives {} rows.** The data cell asks for `n={}`", lambda: 2000, thousands(rows(SIMPLEX)),
              lambda: 2000),
        claim("`n = n*2` with `n = {}`", lambda: 2000 // 2),
        claim("`round({} / {}) = {}` points, {} rows in all", lambda: 2000, lambda: 2 ** 3,
              lambda: round(2000 / 2 ** 3), thousands(rows(SIMPLEX))),
        claim("the last {} rows", constant(B, "N_VALIDATION")),
        claim("over the {} training rows", constant(B, "N_TRAIN")),
        claim("on the {} held-out rows", constant(B, "N_VALIDATION")),
        claim("With only\n{} validation rows", constant(B, "N_VALIDATION")),
        claim("shape `({}, 4)`", constant(B, "N_ROWS")),
        claim("shape `({}, 3)`, the {} original rows", constant(B, "N_ROWS"), thousands(constant(B, "N_ROWS"))),
        claim("one-hot of shape ({}, 4)", constant(B, "N_ROWS")),
        claim("shape `({},)`", constant(B, "N_ROWS")),
        claim("the same {} rows as before", thousands(constant(B, "N_ROWS"))),
        claim("for all {} rows of `x`", thousands(constant(B, "N_ROWS"))),
        claim("`ceil({} / batch_size)` steps per epoch ({} for {}, {} for {},\n  {} for {})", constant(B, "N_TRAIN"),
              *[source for size in (32, 64, 128)
                for source in (lambda size=size: math.ceil(constant(B, "N_TRAIN")() / size), lambda size=size: size)]),
        claim("that is **{}** steps per epoch", lambda: math.ceil(constant(B, "N_TRAIN")() / constant(B, "BATCH_SIZE")())),
        claim("validation accuracy of at\nleast **{}** and a validation loss of at most **{}**",
              number(constant(B, "MIN_VAL_ACCURACY")), number(constant(B, "MAX_VAL_LOSS"))),
        claim("accuracy is at least\n  **{}** and its categorical cross-entropy at most **{}**",
              number(constant(B, "MIN_VAL_ACCURACY")), number(constant(B, "MAX_VAL_LOSS"))),
        claim("validation accuracy at least {} and validation loss at most {} (plus",
              number(constant(B, "MIN_VAL_ACCURACY")), number(constant(B, "MAX_VAL_LOSS"))),
        claim("SGD (learning rate {}, momentum {})", constant(B, "LEARNING_RATE"), constant(B, "MOMENTUM")),
        claim("Use SGD with `learning_rate={}` and `momentum={}`", constant(B, "LEARNING_RATE"), constant(B, "MOMENTUM")),
        claim("SGD with `learning_rate={}` and `momentum={}`, the categorical", constant(B, "LEARNING_RATE"),
              constant(B, "MOMENTUM")),
        claim("`SGD(learning_rate={}, momentum={})`, categorical", constant(B, "LEARNING_RATE"), constant(B, "MOMENTUM")),
        claim("`validation_split={}`", constant(B, "VALIDATION_SPLIT")),
        claim("validation_split={})", constant(B, "VALIDATION_SPLIT")),
        claim("`batch_size={}` (all the", constant(B, "N_TRAIN")),
    ],
    "05-iris-project": [
        claim("measurements of {} iris flowers, {} of each", rows(_iris_x), lambda: len(_iris_x()) // 3),
        claim("`x` is a `({}, 4)` array", rows(_iris_x)),
        claim("`y` is a `({}, 3)` array", rows(_iris_x)),
        claim("they range from about {} to {}.", f(lambda: float(_iris_x().min()), ".1f"),
              f(lambda: float(_iris_x().max()), ".1f")),
        claim("accuracy is at least {}**: at least {} of the {} held-out flowers", IRIS_TARGET, IRIS_FLOWERS,
              constant(I, "VALIDATION_ROWS")),
        claim("a validation accuracy of at least {} under each", IRIS_TARGET),
        claim("is at least **{}**, that\n  is at least **{} of the {}**", IRIS_TARGET, IRIS_FLOWERS,
              constant(I, "VALIDATION_ROWS")),
        claim("accuracy is below {}, go back", IRIS_TARGET),
        claim("accuracy at least {}, i.e. {} of the {} validation flowers", IRIS_TARGET, IRIS_FLOWERS,
              constant(I, "VALIDATION_ROWS")),
        claim("`validation_split={}`", constant(I, "VALIDATION_SPLIT")),
        claim("validation_split={})", constant(I, "VALIDATION_SPLIT")),
        claim("the first {} rows and validates on the last\n  {};", constant(I, "TRAIN_ROWS"),
              constant(I, "VALIDATION_ROWS")),
        claim("a few seconds is plenty for {} flowers", constant(I, "TRAIN_ROWS")),
        claim("a cell may run for at most {} s", f(config(r"c\.Execute\.timeout\s*=\s*(\d+)"), ".0f")),
        claim("must finish within {} s", f(sealed_timeout, ".0f")),
        claim("costs {} of\naccuracy", f(lambda: 1 / constant(I, "VALIDATION_ROWS")(), ".3f")),
        claim("moves the accuracy by {}", f(lambda: 1 / constant(I, "VALIDATION_ROWS")(), ".3f")),
        claim("the **last {} rows**", constant(I, "VALIDATION_ROWS")),
    ],
}

#: Numbers that are examples, conventions or rules of thumb, not facts about this data or these
#: models (so no source): the phrase they stand in, exactly.
EXAMPLES: dict[str, list[str]] = {
    "01-perceptron": [],
    "02-learning-rate-momentum": [
        "e.g. 1, 0.1, 0.01, 0.001, ...",                     # a log scale to try
        "momentum is usually above 0.5, and often between 0.9 and 0.99",
        "learning rate 0.01, no momentum",                   # Keras' default SGD
        "With `learning_rate=0.1` and `momentum=0.9`",       # the model answer's own choice
    ],
    "03-model-capacity": [
        "such as 16, 32, 64, 128, 256 are customary",
        "e.g. 64 and 64", "e.g. 64 and 32",
        "(64 units)", "(two layers of 64)", "64 × 64 connections", "against the two layers of 64",
        "`model_wide`: 64 ReLU units", "two layers of\n64)",
    ],
    "04-batch-size": [
        "with batches of, say, 16 to 512 rows",
        "among 16, 32,\n64 and 128", "Batch size 16 is the slowest to train: 32, 64 and 128 are enough.",
        "the batch sizes 16, 32, 64\n  and 128", "(to 1e-4)",
    ],
    "05-iris-project": [
        "SGD with `learning_rate=0.01` and no momentum",     # the original exercise's start
        "(0.9 is a common choice)",
    ],
}


def markdown(assignment: str) -> str:
    """The markdown cells of a source notebook (the test cells' point headers left out), joined."""
    nb = nbformat.read(str(NOTEBOOKS[assignment]), as_version=4)
    return "\n\n".join(HEADER_POINTS.sub("", c.source) for c in nb.cells if c.cell_type == "markdown")


def significant(text: str) -> list[re.Match]:
    """The numbers of ``text`` that must have a source: decimal numbers and numbers of 100 or more."""
    return [m for m in NUMBER.finditer(text) if "." in m.group(0) or float(m.group(0).replace(",", "")) >= 100]


def uncovered(text: str, phrases: list[str]) -> list[str]:
    """Decimal numbers and numbers of 100 or more in ``text`` outside every phrase, with context."""
    covered = np.zeros(len(text) + 1, dtype=bool)
    for phrase in phrases:
        for match in re.finditer(re.escape(phrase), text):
            covered[match.start():match.end()] = True
    out = []
    for match in significant(text):
        if not covered[match.start():match.end()].all():
            out.append(f"{match.group(0)!r} in ...{text[max(0, match.start() - 40):match.end() + 40]!r}...")
    return out


def _fast_claims():
    return [pytest.param(a, i, id=f"{a}-{i}") for a, cs in CLAIMS.items() for i, c in enumerate(cs) if not c.slow]


def _slow_claims():
    return [pytest.param(a, i, id=f"{a}-{i}", marks=pytest.mark.slow)
            for a, cs in CLAIMS.items() for i, c in enumerate(cs) if c.slow]


def test_claims_cover_every_graded_notebook():
    assert set(CLAIMS) == set(NOTEBOOKS) == set(EXAMPLES)


@pytest.mark.parametrize(("assignment", "index"), _fast_claims() + _slow_claims())
def test_claim_matches_its_source(assignment, index):
    c = CLAIMS[assignment][index]
    assert significant(re.sub(r"\{[^}]*\}", "", c.template)) == [], \
        f"every decimal number or number >= 100 of a claim comes from a source: {c.template!r}"
    rendered = c.render()
    assert rendered in markdown(assignment), (
        f"the markdown of {assignment} should say {rendered!r} (its source's value); it does not")


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_every_number_in_the_prose_has_a_source(assignment):
    """Each decimal number, and each number >= 100, stands in a claim or an example phrase.

    Slow claims are rendered from their template's text around the fields (so this test stays
    fast): what they cover is what their fast test checks.
    """
    phrases = list(EXAMPLES[assignment])
    for c in CLAIMS[assignment]:
        if c.slow:
            pieces = [p for p in re.split(r"\{[^}]*\}", c.template)]
            pattern = r"[\d,.]+".join(re.escape(p) for p in pieces)
            phrases += [m.group(0) for m in re.finditer(pattern, markdown(assignment))]
        else:
            phrases.append(c.render())
    assert uncovered(markdown(assignment), phrases) == []


def test_a_changed_number_is_caught():
    """The control: a number changed in the prose, or left without a source, fails the checks above."""
    text = markdown("01-perceptron")
    ols_claim = CLAIMS["01-perceptron"][5]
    assert ols_claim.render() in text
    changed = text.replace(ols_claim.render(), ols_claim.render().replace("1.00", "1.01"))
    assert ols_claim.render() not in changed
    phrases = [c.render() for c in CLAIMS["01-perceptron"]]
    assert uncovered(text, phrases) == []
    assert uncovered(changed, phrases) != []
    assert uncovered(text + "\n\nIt reaches 0.93 on average.", phrases) != []
    assert uncovered(text + "\n\nTask 3 has 2 parts.", phrases) == []  # small integers: not claims
