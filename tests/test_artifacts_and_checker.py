"""The pieces of the sealed checks without nbgrader: artifacts, the hidden-test cut, the checker.

The checker tests start the warm checker process (TensorFlow imported once) but no kernel.
"""

from __future__ import annotations

import json
import math
import shutil
import zipfile

import numpy as np
import pytest

from grader.preprocessors.sealed import read_names, split_hidden
from main_ingredients import artifacts


# --------------------------------------------------------------------------- encoding

@pytest.mark.parametrize("value", [
    None, True, 3, 2.5, "text", [1, 2.0, "a"], (1, 2), {32: 0.25, 64: 0.5}, {"loss": [1.0, 0.5]},
    np.float32(0.75), np.int64(7), np.arange(6, dtype="float32").reshape(2, 3), {(1, 2): [np.int32(3)]},
])
def test_encode_decode_round_trip(value):
    data = json.loads(json.dumps(artifacts.encode(value)))
    back = artifacts.decode(data)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


def test_non_finite_floats_survive_json():
    back = artifacts.decode(json.loads(json.dumps(artifacts.encode([math.nan, math.inf]))))
    assert math.isnan(back[0]) and back[1] == math.inf


def test_functions_and_objects_are_unexportable_with_a_clear_message():
    data = artifacts.encode(lambda v: v)
    back = artifacts.decode(data)
    assert isinstance(back, artifacts.Unexportable) and back.type_name == "function"
    with pytest.raises(AssertionError, match="cannot call a function of your notebook"):
        back(2)


@pytest.mark.parametrize("data", [{"__ndarray__": "|O", "shape": [1], "data": [1]}, {"weird": 1}, {}])
def test_decode_refuses_what_encode_never_writes(data):
    with pytest.raises(ValueError, match="unexpected"):
        artifacts.decode(data)


def test_split_hidden_and_read_names():
    source = "checks.expect(globals(), model='x')\nvalue = f(model)\n### BEGIN HIDDEN TESTS\nchecks.g(history, value)\n### END HIDDEN TESTS\n"
    assert "BEGIN HIDDEN" not in split_hidden(source) and "checks.g" not in split_hidden(source)
    assert "checks.expect" in split_hidden(source)
    assert read_names(source) == ["checks", "f", "history", "model"]
    assert read_names("def (:") == []


# --------------------------------------------------------------------------- models (TensorFlow)

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from main_ingredients import silence_tensorflow

    silence_tensorflow()
    import keras

    keras.utils.set_random_seed(1)
    x = np.linspace(-1, 1, 64).reshape(-1, 1)
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=["mse"])
    history = model.fit(x, 3 * x[:, 0], epochs=3, batch_size=16, verbose=0)
    folder = tmp_path_factory.mktemp("artifacts")
    manifest = artifacts.export({"model": model, "history": history, "slope": np.float32(3.0),
                                 "np": np, "build": print}, folder / "cell", ["model", "history", "slope", "np",
                                                                               "build", "absent"])
    return folder, manifest, model


@pytest.mark.slow
def test_export_then_load_keeps_the_training_evidence(trained):
    from main_ingredients import checks

    folder, manifest, model = trained
    assert manifest["absent"] == {"kind": "missing"} and "np" not in manifest
    assert manifest["build"]["kind"] == "unexportable"
    values = artifacts.load(folder / "cell")
    assert "absent" not in values and "np" not in values
    assert checks.training_steps(values["model"]) == 12 == checks.training_steps(model)
    assert values["history"].params["steps"] == 4 and len(values["history"].history["loss"]) == 3
    assert checks.training_steps(values["history"].model) == 12
    assert values["slope"] == np.float32(3.0)
    np.testing.assert_allclose(values["model"].get_weights()[0], model.get_weights()[0])
    assert checks.loss_name(values["model"]) == "mean_squared_error"


def _rewrite_config(path, edit):
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    edit(config)
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


@pytest.mark.slow
def test_a_model_naming_a_module_outside_keras_is_not_loaded(trained, tmp_path):
    folder, _, _ = trained
    bad = tmp_path / "cell"
    shutil.copytree(folder / "cell", bad)

    def edit(config):
        config["config"]["layers"][-1]["module"] = "os"

    _rewrite_config(bad / "model.keras", edit)
    values = artifacts.load(bad)
    assert isinstance(values["model"], artifacts.Unloadable)
    assert "names the module 'os'" in values["model"].reason


@pytest.mark.slow
def test_symlinks_and_oversized_artifacts_are_refused(trained, tmp_path, monkeypatch):
    folder, _, _ = trained
    linked = tmp_path / "linked"
    shutil.copytree(folder / "cell", linked)
    (linked / "extra").symlink_to("/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link"):
        artifacts.load(linked)
    monkeypatch.setattr(artifacts, "MAX_BYTES", 10)
    with pytest.raises(ValueError, match="larger than"):
        artifacts.load(folder / "cell")


@pytest.mark.parametrize(("manifest", "message"), [
    (None, "nothing was exported"),
    ('{"__ndarray__": "|O", "shape": [1], "data": [42]}', "damaged"),
    ("not json", "damaged"),
])
def test_a_missing_or_damaged_export_is_named(tmp_path, manifest, message):
    folder = tmp_path / "cell"
    folder.mkdir()
    if manifest is not None:
        (folder / artifacts.MANIFEST).write_text(manifest)
    with pytest.raises(ValueError, match=message):
        artifacts.load(folder)


@pytest.mark.slow
def test_the_checker_fails_a_cell_whose_export_is_damaged_with_a_clear_message(tmp_path):
    from grader.checker import EXPORT_ERROR, check_cells

    (tmp_path / "test-a").mkdir()
    (tmp_path / "test-a" / artifacts.MANIFEST).write_text("[1, 2]")
    result = check_cells([{"grade_id": "test-a", "source": "assert True"},
                          {"grade_id": "test-b", "source": "assert True"}], str(tmp_path))
    assert result["test-a"][0] == EXPORT_ERROR and "damaged" in result["test-a"][1]
    assert result["test-b"][0] == EXPORT_ERROR and "nothing was exported" in result["test-b"][1]


# --------------------------------------------------------------------------- the checker process

@pytest.mark.slow
def test_checker_verdicts_timeouts_and_crashes(trained):
    from grader.checker import run_checks

    folder, _, _ = trained
    cells = [
        {"grade_id": "cell", "source": "checks.expect(globals(), model='Task 1')\nassert float(slope) == 3.0\n"},
    ]
    assert run_checks(cells, folder, timeout=120) == {"cell": None}
    failing = [{"grade_id": "cell", "source": "checks.perceptron.history(model, history)\n"}]
    (ename, evalue), = run_checks(failing, folder, timeout=120).values()
    assert ename == "CheckFailed" and "Train `model` for 25 epochs; it was trained for 3" in evalue
    # a check cannot see anything but its namespace: no student module, no grader internals
    probe = [{"grade_id": "cell", "source": "import sys\nassert 'grader.autograde' not in sys.modules\n"
                                            "assert sorted(k for k in globals() if not k.startswith('__')) == "
                                            "['build', 'checks', 'datasets', 'history', 'keras', 'model', 'np', 'slope', 'sys']\n"}]
    assert run_checks(probe, folder, timeout=120) == {"cell": None}
    slow = [{"grade_id": "cell", "source": "import time\ntime.sleep(30)\n"}]
    (ename, evalue), = run_checks(slow, folder, timeout=3).values()
    assert ename == "SealedCheckError" and "did not finish in 3 s" in evalue
    crash = [{"grade_id": "cell", "source": "import os\nos._exit(3)\n"}]
    (ename, evalue), = run_checks(crash, folder, timeout=60).values()
    assert ename == "SealedCheckError" and "stopped" in evalue
