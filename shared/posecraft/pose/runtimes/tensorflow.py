"""TensorFlow's `tf.lite.Interpreter` (the optional extra `tensorflow`): the same kernels in the full framework."""
from __future__ import annotations

import warnings

from posecraft.errors import PoseCraftError

try:
    with warnings.catch_warnings():
        # tf.lite warns on every construction that it is deprecated in favour of LiteRT: known, chosen.
        warnings.simplefilter("ignore")
        import tensorflow as tf
except ImportError as exc:  # the extra is optional: say how to get it
    raise PoseCraftError(
        "POSE_RUNTIME=tensorflow needs TensorFlow: pip install 'posecraft[tensorflow]'"
    ) from exc


def load(model_path: str, num_threads: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_path=model_path, num_threads=num_threads)
    interpreter.allocate_tensors()
    return interpreter
