"""silence_tensorflow() keeps TensorFlow's and Keras' noise out of stderr."""

import subprocess
import sys

import pytest

SCRIPT = """
{prelude}
import numpy as np
import keras
model = keras.Sequential([keras.layers.Dense(1, input_shape=(1,))])   # input_shape: UserWarning
model.compile(optimizer="sgd", loss="mse")
model.fit(np.zeros((8, 1)), np.zeros(8), epochs=1, verbose=0)
for n in range(3, 10):                                                # retracing warnings
    model.predict(np.zeros((n, 1)), verbose=0)
print("done")
"""


def _run(prelude: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}  # no TF_CPP_MIN_LOG_LEVEL from the Makefile
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(prelude=prelude)],
        capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.mark.slow
def test_silence_tensorflow_leaves_stderr_empty():
    proc = _run("from main_ingredients import silence_tensorflow; silence_tensorflow()")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "done"
    assert proc.stderr == ""


@pytest.mark.slow
def test_without_it_tensorflow_writes_to_stderr():
    """The control: the same script without silence_tensorflow() is noisy (so the test above can fail)."""
    proc = _run("")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr != ""


def test_silence_tensorflow_is_exported():
    import main_ingredients

    assert callable(main_ingredients.silence_tensorflow)
