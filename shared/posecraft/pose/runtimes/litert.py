"""LiteRT (`ai-edge-litert`), the default runtime: small, imports in a tenth of a second."""
from __future__ import annotations

from posecraft.errors import PoseCraftError

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError as exc:  # the API images have no runtime: say which extra brings it
    raise PoseCraftError("POSE_RUNTIME=litert needs LiteRT: pip install 'posecraft[worker]'") from exc


def load(model_path: str, num_threads: int) -> Interpreter:
    interpreter = Interpreter(model_path=model_path, num_threads=num_threads)
    interpreter.allocate_tensors()
    return interpreter
