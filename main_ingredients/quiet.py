"""Silence TensorFlow and Keras so that notebooks and autograded test cells stay clean.

nbgrader scores a test cell 0 as soon as that cell writes anything to stderr, and
TensorFlow writes there a lot: C++ start-up lines (``oneDNN custom operations are
on``, ``Could not find cuda drivers``) that ``TF_CPP_MIN_LOG_LEVEL`` no longer hides
in TensorFlow 2.21, Python ``tf.function`` retracing warnings after repeated
``predict`` calls, and Keras' ``UserWarning`` about ``input_shape=``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator

__all__ = ["silence_tensorflow", "suppress_stderr_fd"]

#: Environment variables set (if not already set) before TensorFlow is imported.
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "KERAS_BACKEND": "tensorflow",
    "GRPC_VERBOSITY": "ERROR",
}


@contextlib.contextmanager
def suppress_stderr_fd() -> Iterator[None]:
    """Send file descriptor 2 (C/C++ ``stderr``) to ``/dev/null`` inside the block.

    Python-level ``sys.stderr`` writes are flushed first; what native code prints
    to fd 2 while the block runs (e.g. absl's pre-initialisation log lines) is
    discarded. The original descriptor is restored on exit, even on error.

    Yields
    ------
    None
    """
    try:
        sys.stderr.flush()
    except Exception:  # pragma: no cover - a closed stream is not our problem
        pass
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (rare embedded interpreters): nothing to hide
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def silence_tensorflow() -> None:
    """Import TensorFlow and Keras quietly and keep them quiet afterwards.

    Call it before the first ``import keras`` (the locked set-up cell of every
    course notebook does). It sets :data:`QUIET_ENV`, imports TensorFlow with the
    C++ ``stderr`` discarded, lowers the ``tensorflow`` and ``absl`` loggers to
    ``ERROR`` (this hides ``tf.function`` retracing warnings) and filters the
    Keras ``UserWarning`` that ``input_shape=`` on a layer triggers. Calling it
    again is harmless.

    Returns
    -------
    None

    Notes
    -----
    Replaces nothing in the R original, where reticulate hid these messages.
    """
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore", message=r"Do not pass an `input_shape`", category=UserWarning)
    warnings.filterwarnings("ignore", message=r".*retracing.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(tensorflow|keras|google|absl).*")
    with suppress_stderr_fd():
        import tensorflow as tf  # noqa: F401  (imported for its side effects)
        import keras  # noqa: F401

        # the first op initialises the CPU runtime, which logs once more
        tf.constant(0.0).numpy()
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    tf.get_logger().setLevel(logging.ERROR)
    tf.autograph.set_verbosity(0)
