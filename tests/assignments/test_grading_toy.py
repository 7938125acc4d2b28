"""The course's nbgrader configuration, checked on a toy assignment (``files/toy``).

``test-toy-warnings`` writes to stderr the lines TensorFlow and Keras write (a
``UserWarning``, an absl ``I0000 ... port.cc:153]`` line, a ``tf.function``
retracing warning): ``IgnorePattern`` in ``nbgrader_config.py`` drops them, and
``UnscoredStderr`` would show them without scoring them anyway: they cost no points. A real
error in that cell still scores 0.
"""

from __future__ import annotations

import re

import pytest

from grader.course import load_config

TOY = "90-toy"


@pytest.mark.slow
@pytest.mark.xdist_group("toy")
def test_reference_with_warnings_scores_full_marks(toy_course):
    g = toy_course.grade_variant(TOY, "reference")
    assert g.success and g.autograded, g.explain()
    assert g.cells == {"test-toy-mean": (6.0, 6.0), "test-toy-warnings": (4.0, 4.0)}, g.explain()
    assert g.score == 10.0


@pytest.mark.slow
@pytest.mark.xdist_group("toy")
def test_the_warnings_really_reach_stderr(toy_course):
    """Control: scored as nbgrader alone scores (IgnorePattern and UnscoredStderr off), the same
    submission loses the warning cell's points."""
    g = toy_course.autograde(TOY, "reference-no-ignore-pattern", toy_course.build(TOY, "reference"),
                             IgnorePattern={"enabled": False}, UnscoredStderr={"enabled": False})
    assert g.success, g.explain()
    assert g.cells["test-toy-warnings"] == (0.0, 4.0), g.explain()
    stderr = "".join(o.get("text", "") for o in g.outputs["test-toy-warnings"]
                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
    assert "UserWarning" in stderr and "port.cc:153]" in stderr and "retracing" in stderr, g.explain()
    assert g.cells["test-toy-mean"] == (6.0, 6.0), g.explain()


@pytest.mark.slow
@pytest.mark.xdist_group("toy")
def test_stderr_shown_but_not_scored_without_ignore_pattern(toy_course):
    """With IgnorePattern off, UnscoredStderr alone keeps the points; the lines stay in sight."""
    g = toy_course.autograde(TOY, "reference-unscored-stderr", toy_course.build(TOY, "reference"),
                             IgnorePattern={"enabled": False})
    assert g.success, g.explain()
    assert g.cells == {"test-toy-mean": (6.0, 6.0), "test-toy-warnings": (4.0, 4.0)}, g.explain()
    outputs = g.outputs["test-toy-warnings"]
    assert not any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs)
    shown = "".join(o["data"]["text/plain"] for o in outputs
                    if o.get("metadata", {}).get("grader") == {"stream": "stderr"})
    assert "UserWarning" in shown and "port.cc:153]" in shown and "retracing" in shown, outputs


@pytest.mark.slow
@pytest.mark.xdist_group("toy")
def test_a_real_error_still_scores_zero(toy_course):
    g = toy_course.grade_variant(TOY, "mutant", "negative")
    assert g.success and g.autograded, g.explain()
    assert g.cells == {"test-toy-mean": (0.0, 6.0), "test-toy-warnings": (0.0, 4.0)}, g.explain()
    errors = [o for o in g.outputs["test-toy-warnings"] if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "AssertionError", g.explain()


@pytest.mark.slow
@pytest.mark.xdist_group("toy")
def test_untouched_release_scores_zero(toy_course):
    g = toy_course.grade_variant(TOY, "release")
    assert g.success and g.autograded, g.explain()
    assert g.score == 0 and g.max_score == 10.0, g.explain()


STDERR_SAMPLES = {
    "user-warning": "/tmp/ipykernel_1/123.py:7: UserWarning: Do not pass an `input_shape`/`input_dim` argument"
                    " to a layer.\n  super().__init__(activity_regularizer=activity_regularizer, **kwargs)\n",
    "absl-info": "I0000 00:00:1764450000.123456   41234 port.cc:153] oneDNN custom operations are on.\n",
    "absl-warning": "W0000 00:00:1764450000.654321   41234 gpu_device.cc:2342] Cannot dlopen some GPU libraries.\n",
    "absl-preinit": "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    "retracing": "WARNING:tensorflow:5 out of the last 5 calls to <function TensorFlowTrainer.make_predict_function."
                 "<locals>.one_step_on_data_distributed at 0x7f0c2c1d2e80> triggered tf.function retracing.\n",
}


@pytest.mark.parametrize("name", sorted(STDERR_SAMPLES))
def test_ignore_pattern_drops_warning_lines(name):
    cfg = load_config()
    assert cfg.IgnorePattern.enabled
    assert re.search(cfg.IgnorePattern.pattern, STDERR_SAMPLES[name])


@pytest.mark.parametrize("text", ["Traceback (most recent call last):\n", "something went wrong\n",
                                  "ValueError: bad shape\n"])
def test_ignore_pattern_keeps_other_stderr(text):
    assert not re.search(load_config().IgnorePattern.pattern, text)
