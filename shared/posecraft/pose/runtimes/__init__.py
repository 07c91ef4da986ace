"""TFLite runtimes, one module per backend, chosen by `Settings.pose_runtime` (thumbor style).

Each module exposes `load(model_path, num_threads)` returning an interpreter with tensors allocated and
the `tf.lite.Interpreter` interface (set_tensor, invoke, get_tensor, get_*_details).
"""
from __future__ import annotations

import importlib
import logging

from posecraft.logs import native_stderr_logged

RUNTIMES = ("litert", "tensorflow")

log = logging.getLogger(__name__)


def load_interpreter(runtime: str, model_path: str, num_threads: int):
    if runtime not in RUNTIMES:
        raise ValueError(f"POSE_RUNTIME={runtime!r} is not a pose runtime; choose one of {', '.join(RUNTIMES)}")
    # The C++ runtime prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on file descriptor 2 as the
    # tensors are allocated (no setting silences it): logged as a JSON line like everything else.
    with native_stderr_logged(log):
        module = importlib.import_module(f"{__name__}.{runtime}")
        return module.load(model_path, num_threads)
