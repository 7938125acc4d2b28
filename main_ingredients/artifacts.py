"""Export and load what a graded notebook produced, for the sealed checks.

When a notebook is autograded, the student's kernel runs only the *visible* part of each test
cell; right after it, the grader has the kernel call :func:`export` for the names that cell's
checks read. The sealed checker (a clean Python process that imports no student code, see
``grader.checker``) then :func:`load` s them and runs the whole test cell, hidden checks
included, on what was exported.

What is exported, per name:

* a Keras model: the ``.keras`` file (architecture, compile settings, weights and the
  optimizer's state, whose ``iterations`` counts the training steps that really ran);
* a ``History`` (what ``fit`` returns): its ``history`` and ``params`` dictionaries, and the
  model it trained (``history.model``), as a model of its own;
* NumPy arrays, numbers, strings, ``None``, and lists/tuples/dicts of them (dict keys may be
  numbers): as JSON with type tags (no pickle: nothing in an artifact is ever executed);
* anything else: recorded as *unexportable* with its type name, so a check about it fails
  with a message naming that type.

Loading never trusts the files: models are loaded with ``safe_mode=True`` after their
configuration was checked to name only Keras classes, sizes are capped, and a malformed
artifact loads as :class:`Unloadable`, which every check reports as a failure.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MANIFEST",
    "MAX_BYTES",
    "Unexportable",
    "Unloadable",
    "export",
    "load",
    "encode",
    "decode",
]

#: Name of the file listing the exported names and their kinds.
MANIFEST = "manifest.json"
#: Largest artifact folder (bytes) the loader accepts; a model of the course is under 1 MB.
MAX_BYTES = 64 * 2**20


class Unexportable:
    """Stands in, in the checker, for a value that could not be exported.

    Parameters
    ----------
    type_name : str
        The type of the student's value, e.g. ``"function"``.
    """

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"

    def __call__(self, *args, **kwargs):
        """A check that calls a student's function cannot be sealed: say so instead of a TypeError."""
        raise AssertionError(
            f"The grader cannot call a {self.type_name} of your notebook: its checks only see values "
            "(models, histories, arrays, numbers, strings, lists and dicts of them).")


class Unloadable(Unexportable):
    """Stands in for an artifact the checker refused or failed to load.

    Parameters
    ----------
    type_name : str
        What it was meant to be (``"Keras model"``, ``"History"``...).
    reason : str
        Why it was not loaded.
    """

    def __init__(self, type_name: str, reason: str) -> None:
        super().__init__(type_name)
        self.reason = reason

    def __repr__(self) -> str:
        return f"<a {self.type_name} that could not be loaded: {self.reason}>"


# --------------------------------------------------------------------------- encoding

def encode(value: Any, depth: int = 0) -> Any:
    """Turn a value into tagged JSON data (see the module docstring).

    Parameters
    ----------
    value : object
    depth : int
        Nesting level (values nested deeper than 8 are unexportable).

    Returns
    -------
    object
        JSON-serialisable data; :func:`decode` gives the value back.
    """
    if depth > 8:
        return {"__unexportable__": type(value).__name__}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return {"__float__": repr(value)}
        return value
    if isinstance(value, np.generic):
        return {"__scalar__": value.dtype.str, "value": encode(value.item(), depth + 1)}
    if isinstance(value, (list, tuple)):
        items = [encode(v, depth + 1) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    array = _as_array(value)
    if array is not None:
        return {"__ndarray__": array.dtype.str, "shape": list(array.shape),
                "data": [encode(v, depth + 1) for v in array.ravel().tolist()]}
    return {"__unexportable__": type(value).__name__}


def _as_array(value: Any) -> np.ndarray | None:
    """A numeric/boolean ndarray view of arrays and tensors, else None."""
    if isinstance(value, np.ndarray):
        array = value
    elif hasattr(value, "__array__") or type(value).__module__.startswith(("tensorflow", "keras")):
        try:
            array = np.asarray(value)
        except Exception:  # noqa: BLE001 - not array-like after all
            return None
    else:
        return None
    if array.dtype.kind not in "biuf" or array.size > 5_000_000:
        return None
    return array


def decode(data: Any) -> Any:
    """Inverse of :func:`encode`.

    Raises
    ------
    ValueError
        If the data is not what :func:`encode` writes.
    """
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise ValueError(f"unexpected artifact data {type(data).__name__}")
    if "__float__" in data:
        return float(data["__float__"])
    if "__scalar__" in data:
        return np.dtype(data["__scalar__"]).type(decode(data["value"]))
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__dict__" in data:
        out = {}
        for key, value in data["__dict__"]:
            key = decode(key)
            if isinstance(key, list):
                key = tuple(key)
            out[key] = decode(value)
        return out
    if "__ndarray__" in data:
        dtype = np.dtype(data["__ndarray__"])
        if dtype.kind not in "biuf":
            raise ValueError(f"unexpected array dtype {dtype}")
        values = [decode(v) for v in data["data"]]
        return np.asarray(values, dtype=dtype).reshape([int(n) for n in data["shape"]])
    if "__unexportable__" in data:
        return Unexportable(str(data["__unexportable__"]))
    raise ValueError("unexpected artifact data")


# --------------------------------------------------------------------------- export (kernel)

def _is_model(value: Any) -> bool:
    # a notebook that never imported Keras holds no model: importing it here (TensorFlow, seconds)
    # would only spend the notebook's time budget
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _is_history(value: Any) -> bool:
    return isinstance(getattr(value, "history", None), dict) and hasattr(value, "params")


def export(namespace: dict, folder: str | os.PathLike, names: list[str]) -> dict:
    """Write the values of ``names`` in ``namespace`` into ``folder`` (replacing what was there).

    Called in the student's kernel by the grader after each test cell; a name that is not
    defined is recorded as missing, modules are skipped (the checker has its own).

    Parameters
    ----------
    namespace : dict
        The kernel's ``globals()``.
    folder : str or path-like
        Where to write; created, and emptied first.
    names : list of str
        The names the test cell reads.

    Returns
    -------
    dict
        The manifest: name -> {"kind": "model" | "history" | "value" | "missing" | "unexportable", ...}.
    """
    import types

    folder = Path(folder)
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict] = {}
    for name in names:
        if name not in namespace:
            manifest[name] = {"kind": "missing"}
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            continue
        manifest[name] = _export_one(folder, name, value)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def _save_model(folder: Path, stem: str, model: Any) -> dict:
    path = folder / f"{stem}.keras"
    try:
        model.save(path)
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        return {"kind": "unexportable", "type": type(model).__name__,
                "reason": f"{type(error).__name__}: {str(error)[:200]}"}
    return {"kind": "model", "file": path.name}


def _holds_trained(value: Any) -> bool:
    """A list, tuple or dict with a Keras model or a History among its values."""
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return False
    return any(_is_model(item) or _is_history(item) for item in items)


def _export_one(folder: Path, name: str, value: Any, depth: int = 0) -> dict:
    if depth < 2 and _holds_trained(value):
        # a container of models / histories (e.g. {batch_size: history}): one entry per item
        pairs = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        kind = "dict" if isinstance(value, dict) else ("tuple" if isinstance(value, tuple) else "list")
        return {"kind": kind, "items": [[encode(key), _export_one(folder, f"{name}.{i}", item, depth + 1)]
                                        for i, (key, item) in enumerate(pairs)]}
    if _is_model(value):
        return _save_model(folder, name, value)
    if _is_history(value):
        entry = {"kind": "history", "type": type(value).__name__,
                 "history": encode(dict(value.history)), "params": encode(dict(value.params or {}))}
        trained = getattr(value, "model", None)
        if _is_model(trained):
            entry["model"] = _save_model(folder, f"{name}.model", trained)
        return entry
    data = encode(value)
    if isinstance(data, dict) and "__unexportable__" in data:
        return {"kind": "unexportable", "type": data["__unexportable__"]}
    return {"kind": "value", "data": data}


# --------------------------------------------------------------------------- load (checker)

def _folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink():
            raise ValueError(f"symbolic link {path.name}")
        if path.is_file():
            total += path.stat().st_size
    return total


def _keras_function(item: dict) -> bool:
    """A Keras loss/metric/activation function saved by name (``{"module": "builtins", "class_name": "function"}``)."""
    if item.get("module") != "builtins" or item.get("class_name") != "function" or not isinstance(item.get("config"), str):
        return False
    import keras

    for getter in (keras.losses.get, keras.metrics.get, keras.activations.get):
        try:
            if getter(item["config"]) is not None:
                return True
        except Exception:  # noqa: BLE001 - not a name this getter knows
            continue
    return False


def _keras_modules_only(path: Path) -> None:
    """Refuse a .keras file whose configuration names a module outside Keras."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            module = item.get("module")
            if module is not None and not (module == "keras" or str(module).startswith("keras.")) \
                    and not _keras_function(item):
                raise ValueError(f"its configuration names the module {module!r}")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def load_model(path: str | os.PathLike) -> Any:
    """Load an exported Keras model safely; :class:`Unloadable` when it cannot be.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` file written by :func:`export`.

    Returns
    -------
    keras.Model or Unloadable
    """
    import keras

    path = Path(path)
    try:
        if path.is_symlink() or not path.is_file():
            raise ValueError("the file is missing")
        _keras_modules_only(path)
        return keras.saving.load_model(path, safe_mode=True, compile=True)
    except Exception as error:  # noqa: BLE001 - any failure is a failed check
        return Unloadable("Keras model", f"{type(error).__name__}: {str(error)[:200]}")


def _load_history(folder: Path, entry: dict) -> Any:
    import keras

    history = keras.callbacks.History()
    history.history = decode(entry.get("history") or {"__dict__": []})
    history.params = decode(entry.get("params") or {"__dict__": []})
    if not isinstance(history.history, dict) or not isinstance(history.params, dict):
        raise ValueError("malformed history")
    model_entry = entry.get("model")
    trained = None
    if isinstance(model_entry, dict) and model_entry.get("kind") == "model":
        trained = load_model(folder / Path(str(model_entry["file"])).name)
    elif isinstance(model_entry, dict):
        trained = Unexportable(str(model_entry.get("type", "object")))
    history._model = trained  # what ``history.model`` returns (Keras sets it through set_model)
    return history


def load(folder: str | os.PathLike) -> dict[str, Any]:
    """Load the values :func:`export` wrote into ``folder``.

    Parameters
    ----------
    folder : str or path-like

    Returns
    -------
    dict of str to object
        name -> value (models, ``keras.callbacks.History`` objects, arrays...); missing
        names are absent, so a check about them fails as it does in the kernel.

    Raises
    ------
    ValueError
        If nothing was exported (no manifest), the manifest is damaged, or the folder is
        larger than :data:`MAX_BYTES` or holds symbolic links.
    """
    folder = Path(folder)
    if folder.is_symlink() or not (folder / MANIFEST).is_file() or (folder / MANIFEST).is_symlink():
        raise ValueError("nothing was exported after this cell")
    if _folder_size(folder) > MAX_BYTES:
        raise ValueError(f"the exported artifacts are larger than {MAX_BYTES // 2**20} MB")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or not all(isinstance(entry, dict) for entry in manifest.values()):
        raise ValueError("the list of exported values is damaged")
    values: dict[str, Any] = {}
    for name, entry in manifest.items():
        if not isinstance(entry, dict) or not str(name).isidentifier() or entry.get("kind") == "missing":
            continue  # a missing name stays missing: its check says "Define a variable named ..."
        values[name] = _load_entry(folder, entry)
    return values


def _load_entry(folder: Path, entry: Any, depth: int = 0) -> Any:
    """One manifest entry as a value (containers of models/histories included)."""
    kind = entry.get("kind") if isinstance(entry, dict) else None
    try:
        if kind == "model":
            return load_model(folder / Path(str(entry["file"])).name)
        if kind == "history":
            return _load_history(folder, entry)
        if kind == "value":
            return decode(entry["data"])
        if kind == "unexportable":
            return Unexportable(str(entry.get("type", "object")))
        if kind in ("dict", "list", "tuple") and depth < 2:
            pairs = []
            for key, item in entry["items"]:
                key = decode(key)
                pairs.append((tuple(key) if isinstance(key, list) else key, _load_entry(folder, item, depth + 1)))
            if kind == "dict":
                return dict(pairs)
            items = [item for _, item in pairs]
            return items if kind == "list" else tuple(items)
        raise ValueError(f"unknown artifact kind {kind!r}")
    except Exception as error:  # noqa: BLE001 - malformed: a failed check, not a crash
        return Unloadable(str(kind), f"{type(error).__name__}: {str(error)[:200]}")
