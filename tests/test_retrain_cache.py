"""``checks.retrain`` keeps its results: an identical recipe is trained once per run.

The cache is only sound if re-training is a function of the recipe; the determinism test
guards that (if it fails, the cache would hand one student another run's luck).
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from main_ingredients import checks  # noqa: E402

pytestmark = pytest.mark.slow  # imports TensorFlow

X = np.linspace(-1.0, 1.0, 40, dtype="float32").reshape(-1, 1)
Y = (5.0 * X[:, 0] + 3.0).astype("float32")


def model(learning_rate=0.05, activation=None):
    """A new compiled one-layer model (its layer and optimizer names differ at every call)."""
    built = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation=activation)])
    built.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return built


@pytest.fixture
def fits(monkeypatch, tmp_path):
    """Count the ``fit`` calls; an empty in-process cache and a fresh cache folder."""
    calls = []
    real_fit = keras.Model.fit

    def counting_fit(self, *args, **kwargs):
        calls.append(1)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", counting_fit)
    monkeypatch.setattr(checks, "_retrained", {})
    monkeypatch.setenv(checks.RETRAIN_CACHE_ENV, str(tmp_path / "cache"))
    return calls


def weights(trained):
    return [np.asarray(w) for w in trained.get_weights()]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


def test_identical_recipe_is_trained_once_and_gives_the_same_weights(fits):
    first = checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8)
    second = checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8)
    assert len(fits) == 1
    assert same(weights(first), weights(second))
    assert second is not first


def test_retraining_is_deterministic_so_the_cache_changes_no_grade(fits, monkeypatch):
    first = weights(checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8))
    monkeypatch.setattr(checks, "_retrained", {})
    monkeypatch.delenv(checks.RETRAIN_CACHE_ENV)
    again = weights(checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8))
    assert len(fits) == 2
    assert same(first, again)


@pytest.mark.parametrize("change", [
    {"seed": 8}, {"epochs": 6}, {"batch_size": 16}, {"validation_split": 0.2},
    {"learning_rate": 0.01}, {"activation": "relu"}, {"y": Y + 1.0},
])
def test_any_change_of_the_recipe_trains_again(fits, change):
    fit_args = {"seed": 7, "epochs": 5, "batch_size": 8}
    fit_args.update({k: v for k, v in change.items() if k in fit_args or k == "validation_split"})
    build = {k: v for k, v in change.items() if k in ("learning_rate", "activation")}
    y = change.get("y", Y)
    checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8)
    checks.retrain(model(**build), X, y, **fit_args)
    assert len(fits) == 2


def test_the_folder_cache_serves_another_process_and_survives_damage(fits, monkeypatch, tmp_path):
    first = weights(checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8))
    saved = list((tmp_path / "cache").glob("*.npz"))
    assert len(saved) == 1 and not list((tmp_path / "cache").glob("*.partial"))
    monkeypatch.setattr(checks, "_retrained", {})  # as a new process would start
    assert same(weights(checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8)), first)
    assert len(fits) == 1
    saved[0].write_bytes(b"not an npz")  # a damaged entry is trained again, not trusted
    monkeypatch.setattr(checks, "_retrained", {})
    assert same(weights(checks.retrain(model(), X, Y, seed=7, epochs=5, batch_size=8)), first)
    assert len(fits) == 2
