"""Fast tests of the lesson's helpers: the figures of ``main_ingredients.plotting`` and the
regression summary and self-checks of ``main_ingredients.lesson`` (no kernel, no training)."""

from __future__ import annotations

import base64
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from main_ingredients import baselines, datasets, lesson, plotting  # noqa: E402


@pytest.mark.parametrize("name", ["draw_perceptron", "plot_gradient_descent", "draw_training_loop",
                                  "draw_mlp", "plot_momentum", "plot_relu_folding"])
def test_figures_draw_something(name):
    fig = getattr(plotting, name)()
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert ax.lines or ax.patches or ax.collections
    plt.close(fig)


def test_draw_mlp_refuses_a_network_without_output():
    with pytest.raises(ValueError):
        plotting.draw_mlp((3,))


def test_figure_bundle_carries_escaped_alt_text_and_the_png(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    bundle = plotting.figure_bundle(fig, alt='a "diagonal" line <from> 0 to 1', caption="c", path=tmp_path / "f.png")
    assert 'alt="a &quot;diagonal&quot; line &lt;from&gt; 0 to 1"' in bundle["text/html"]
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and (tmp_path / "f.png").read_bytes() == png
    assert bundle["text/plain"].endswith("0 to 1")
    assert not plt.fignum_exists(fig.number), "the figure is closed (no second inline copy)"


def test_fold_doubles_the_pieces_per_layer():
    x = np.linspace(-1, 1, 4097)
    for layers in (1, 2, 3):
        y = plotting.fold(x, layers)
        slopes = np.sign(np.round(np.diff(y), 9))
        assert int((np.diff(slopes) != 0).sum()) + 1 == 2**layers
        assert y.min() == pytest.approx(-1) and y.max() == pytest.approx(1)


def test_momentum_gets_closer_to_the_minimum_in_the_figure():
    plain = plotting.momentum_path(0.4, 0.0)
    heavy = plotting.momentum_path(0.4, 0.8)
    assert np.linalg.norm(heavy[-1]) < 0.1 * np.linalg.norm(plain[-1])


def test_ols_summary_agrees_with_the_baseline_and_r():
    df = datasets.linear_regression()
    table, stats = lesson.ols_summary(df["x"], df["y"])
    fit = baselines.ols(df["x"], df["y"])
    assert table.loc["(Intercept)", "Estimate"] == pytest.approx(fit.intercept)
    assert table.loc["x", "Estimate"] == pytest.approx(fit.slope)
    assert stats["residual standard error"] == pytest.approx(fit.sigma)
    assert stats["MSE"] == pytest.approx(fit.mse)
    # R: summary(lm(y ~ x)) on these data: R-squared 0.8907, 998 degrees of freedom
    assert round(stats["R-squared"], 4) == 0.8907 and stats["degrees of freedom"] == 998
    text = lesson.format_ols_summary(table, stats)
    assert "< 2e-16" in text and "on 998 degrees of freedom" in text
    with pytest.raises(ValueError):
        lesson.ols_summary([1, 1, 1], [1, 2, 3])


class _Model:
    def __init__(self, slope, intercept):
        self._w = [np.array([[slope]]), np.array([intercept])]

    def get_weights(self):
        return self._w


def test_perceptron_self_check(capsys):
    assert not lesson.check_perceptron_exercise(..., ..., ..., None, ..., 0.6)
    assert capsys.readouterr().out.count("[to do]") == 3
    assert lesson.check_perceptron_exercise(1, "mse", 25, _Model(4.95, 30.02), True, 0.6)
    assert "[not yet]" not in capsys.readouterr().out
    assert not lesson.check_perceptron_exercise(2, "mae", 25, _Model(4.95, 30.02), False, 0.6)
    assert capsys.readouterr().out.count("[not yet]") == 3


def test_optimizer_self_check(capsys):
    assert not lesson.check_optimizer_exercise(None, 0.124)
    assert lesson.check_optimizer_exercise({"loss": [0.5, 0.2, 0.125]}, 0.124)
    assert not lesson.check_optimizer_exercise({"loss": [0.5, 0.4, 0.3]}, 0.124)
    assert "still falling" in capsys.readouterr().out
    assert not lesson.check_optimizer_exercise({"loss": [0.5, 0.9, 0.7]}, 0.124)
    assert "went up" in capsys.readouterr().out
    assert not lesson.check_optimizer_exercise({"loss": [0.5, float("nan")]}, 0.124)


def test_capacity_self_check(capsys):
    class M:
        def count_params(self):
            return 321

    assert not lesson.check_capacity_exercise(..., None, None, 0.04)
    assert lesson.check_capacity_exercise([16, 16], M(), 0.045, 0.04)
    assert not lesson.check_capacity_exercise([16], M(), 0.054, 0.04)
    assert "[not yet]" in capsys.readouterr().out


def test_show_figure_displays_the_bundle_and_returns_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    fig, _ = plt.subplots()
    assert plotting.show_figure(fig, alt="an empty figure") is None
    assert len(shown) == 1 and shown[0][1] is True and 'alt="an empty figure"' in shown[0][0]["text/html"]


HISTORY = {"loss": [1.2, 0.6, 0.4], "val_loss": [1.0, 0.5, 0.55],
           "accuracy": [0.4, 0.7, 0.8], "val_accuracy": [0.5, 0.9, 0.85]}


def test_describe_history_states_first_last_and_best_epoch():
    text = plotting.describe_history(HISTORY, metrics=("loss", "accuracy"), title="toy")
    assert text.startswith("Learning curves (toy) over 3 epochs.")
    assert "loss: training 1.200 to 0.400, validation 1.000 to 0.550 (best at epoch 2)." in text
    assert "accuracy: training 0.400 to 0.800, validation 0.500 to 0.850 (best at epoch 2)." in text
    # no validation curve: no validation part
    assert plotting.describe_history({"loss": [2.0]}) == "Learning curves over 1 epoch. loss: training 2.000 to 2.000."


def test_describe_history_names_a_missing_metric():
    with pytest.raises(KeyError, match="accuracy"):
        plotting.describe_history({"loss": [1.0]}, metrics=("accuracy",))


def test_show_history_shows_the_curves_with_alt_text_from_the_numbers(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    before = set(plt.get_fignums())
    assert plotting.show_history(HISTORY, metrics=("loss", "accuracy"), title="toy") is None
    html = shown[0]["text/html"]
    assert 'alt="Learning curves (toy) over 3 epochs. loss: training 1.200 to 0.400' in html
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', html)
    assert set(plt.get_fignums()) == before  # closed: %matplotlib inline does not show it twice


def test_describe_curves_states_each_curve_and_the_reference():
    text = plotting.describe_curves({"batch size 32": [1.1, 0.365], "batch size 128": [1.3, 0.877]},
                                    "validation loss", title="per batch size", reference=("floor", 0.12))
    assert text == ("per batch size: validation loss over 2 epochs. batch size 32: 1.100 to 0.365; "
                    "batch size 128: 1.300 to 0.877; floor (horizontal line): 0.120.")
    with pytest.raises(ValueError, match="at least one curve"):
        plotting.describe_curves({}, "loss")
