"""ONNX Runtime sessions and the choice of execution provider.

CUDA is used only when it really works: a tiny probe session must run on it. Otherwise the
product falls back to the CPU, keeps ONNX Runtime's own error text out of the user's way, and
records a one-line reason the user can act on.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import onnxruntime as ort

from faceapp.errors import ConfigError, ModelIntegrityError

log = logging.getLogger(__name__)

_CUDA_LIBS = ("libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10",
              "libcufft.so.12", "libcudnn.so.9")
_INSTALL_HINT = "install faceapp[cuda]"


@dataclass(frozen=True)
class ProviderInfo:
    """Which execution provider is in use, and why."""

    name: str  # "CUDA" or "CPU"
    device: str  # GPU name, or "CPU"
    reason: str  # why this provider was chosen, in words

    @property
    def providers(self) -> list[str]:
        """Provider list to give ``InferenceSession``."""
        if self.name == "CUDA":
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        return ["CPUExecutionProvider"]

    def describe(self) -> str:
        """One line for status bars and ``--json`` output."""
        return f"{self.device} ({self.reason})" if self.reason else self.device


@lru_cache(maxsize=4)
def choose_provider(preference: str = "auto") -> ProviderInfo:
    """Decide once per process between CUDA and CPU.

    Args:
        preference: ``"auto"`` (CUDA when it works), ``"cuda"`` (same, but the reason says it
            was asked for) or ``"cpu"``.
    """
    if preference not in ("auto", "cuda", "cpu"):
        raise ConfigError(f"unknown execution provider {preference!r}: use auto, cuda or cpu")
    if preference == "cpu":
        return ProviderInfo("CPU", "CPU", "CPU chosen in the settings")
    problem = _cuda_problem()
    if problem:
        return ProviderInfo("CPU", "CPU", f"GPU not used: {problem}")
    return ProviderInfo("CUDA", _gpu_name(), "")


def _cuda_problem() -> str:
    """Empty when a CUDA session really runs; else a short reason."""
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        return "this ONNX Runtime build has no CUDA support (install onnxruntime-gpu)"
    try:
        ctypes.CDLL("libcuda.so.1") if os.name == "posix" else None
    except OSError:
        return "no NVIDIA driver found (libcuda.so.1)"
    _preload_pip_cuda()
    for lib in _CUDA_LIBS if os.name == "posix" else ():
        try:
            ctypes.CDLL(lib)
        except OSError:
            return f"{lib} not found — {_INSTALL_HINT}"
    return _probe_cuda_session()


def _preload_pip_cuda() -> None:
    """Load CUDA/cuDNN libraries installed from pip (``faceapp[cuda]``), when present."""
    preload = getattr(ort, "preload_dlls", None)
    if preload is None:
        return
    try:
        preload(directory="")
    except Exception as exc:  # noqa: BLE001 - missing pip CUDA packages are normal
        log.debug("preload_dlls: %s", exc)


def _probe_cuda_session() -> str:
    """Run a one-node model on CUDA; empty string when it ran there."""
    from onnx import TensorProto, helper

    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph(
        [node], "probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.log_severity_level = 4  # keep ONNX Runtime's own error text off the console
    try:
        session = ort.InferenceSession(
            model.SerializeToString(), options,
            providers=["CUDAExecutionProvider", "CPUExecutionProvider"],
        )
        import numpy as np

        session.run(None, {"x": np.ones(1, np.float32)})
    except Exception as exc:  # noqa: BLE001 - any failure means: do not use CUDA
        return f"CUDA session failed ({type(exc).__name__})"
    if "CUDAExecutionProvider" not in session.get_providers():
        return "CUDA could not be initialised (driver or library mismatch)"
    return ""


def _gpu_name() -> str:
    try:
        import subprocess

        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=5, check=True,
        )
        return "GPU " + out.stdout.strip().splitlines()[0]
    except Exception:  # noqa: BLE001 - the name is cosmetic
        return "GPU (CUDA)"


_session_lock = threading.Lock()


def create_session(
    model: Path | bytes, provider: ProviderInfo, threads: int = 0
) -> ort.InferenceSession:
    """An ``InferenceSession`` with full graph optimisation on the chosen provider.

    Args:
        model: an ONNX file or its bytes.
        provider: from :func:`choose_provider`.
        threads: intra-op threads; 0 lets ONNX Runtime use all physical cores.

    Raises:
        ModelIntegrityError: ONNX Runtime cannot load the model.
    """
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Spinning threads burn a core between frames; the pipeline calls in bursts, so let them sleep.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else str(model)
    try:
        with _session_lock:
            return ort.InferenceSession(source, options, providers=provider.providers)
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises several unrelated types
        name = "model data" if isinstance(model, bytes) else str(model)
        raise ModelIntegrityError(
            f"{name}: ONNX Runtime cannot load this model ({type(exc).__name__}); "
            "the file may be damaged: reinstall faceapp or replace the file"
        ) from exc
