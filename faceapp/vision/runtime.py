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
from typing import TYPE_CHECKING, Any

import onnxruntime as ort

from faceapp.errors import ConfigError, ModelIntegrityError

if TYPE_CHECKING:
    import onnx

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
    capi = Path(ort.__file__).parent / "capi"
    if os.name == "posix" and capi.is_dir() and not any(capi.glob("libonnxruntime_providers_cuda*")):
        return "this build has no CUDA support (CPU build)"
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


def session_options(threads: int = 0, spinning: bool = False) -> ort.SessionOptions:
    """The session options every faceapp model runs with.

    Each choice below was measured with ``benchmarks/bench_pipeline.py --baseline`` on the
    2-core reference machine (figures in ``benchmarks/README.md``).

    Args:
        threads: intra-op threads; 0 lets ONNX Runtime use all physical cores.
        spinning: let idle intra-op threads busy-wait for work (off in the product; on only to
            measure it).
    """
    options = ort.SessionOptions()
    # ENABLE_ALL adds the CPU's NCHWc layout (blocked convolutions with fused activations and
    # sums): BASIC and EXTENDED ran both bundled models about 1.5-2x slower.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    # Both models are single chains: the parallel executor and inter-op threads have nothing to
    # overlap, so they would only add threads competing for the same cores.
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # No spinning. A spinning worker busy-waits for tens of milliseconds after each run; alone on
    # an idle machine a session ran ~10% faster with it, but the pipeline calls two sessions back
    # to back (and the UI and capture threads share the cores), so the detector's spinning thread
    # steals the CPU the embedder needs: with 2 threads a 5-face frame took 1.8-2.6x longer with
    # spinning and used ~2x the CPU time per frame at 15 frames/s. (With 1 thread it is moot.)
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    # Left at their defaults, because measured no faster (slower in most runs): the parallel
    # executor, session.set_denormal_as_zero, and turning off the memory arena and memory pattern
    # (then every run re-allocates its activations).
    return options


def create_session(
    model: Path | bytes, provider: ProviderInfo, threads: int = 0
) -> ort.InferenceSession:
    """An ``InferenceSession`` with full graph optimisation on the chosen provider.

    On the CPU, per-channel ``PRelu`` activations are first rewritten into an equivalent form that
    ONNX Runtime's NCHWc convolutions can fuse (see :func:`rewrite_prelu`); outputs agree with the
    original graph to float rounding (~1e-6 relative).

    Args:
        model: an ONNX file or its bytes.
        provider: from :func:`choose_provider`.
        threads: intra-op threads; 0 lets ONNX Runtime use all physical cores.

    Raises:
        ModelIntegrityError: ONNX Runtime cannot load the model.
    """
    options = session_options(threads)
    source: str | bytes = model if isinstance(model, bytes) else str(model)
    if provider.name == "CPU":
        source = _cpu_friendly(model) or source
    try:
        with _session_lock:
            return ort.InferenceSession(source, options, providers=provider.providers)
    except Exception as exc:  # ONNX Runtime raises several unrelated types
        name = "model data" if isinstance(model, bytes) else str(model)
        raise ModelIntegrityError(
            f"{name}: ONNX Runtime cannot load this model ({type(exc).__name__}); "
            "the file may be damaged: reinstall faceapp or replace the file"
        ) from exc


def _cpu_friendly(model: Path | bytes) -> bytes | None:
    """The model's bytes with :func:`rewrite_prelu` applied, or ``None`` when nothing changed.

    Any failure (a model ONNX cannot parse, external weights over 2 GB...) leaves the model as it
    is: ONNX Runtime then loads the original and reports its own problems.
    """
    try:
        import onnx

        proto = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(str(model))
        if not any(node.op_type == "PRelu" for node in proto.graph.node):
            return None
        changed = rewrite_prelu(proto)
        return proto.SerializeToString() if changed else None
    except Exception as exc:  # noqa: BLE001 - an optimisation must never stop a model loading
        log.debug("PRelu rewrite skipped: %s", exc)
        return None


def rewrite_prelu(model: onnx.ModelProto) -> int:
    """Replace per-channel ``PRelu`` on 4-D tensors by NCHWc-friendly operators, in place.

    ``PRelu(z) = z + (1 - a) * Relu(-z)`` (for ``z < 0``: ``z - (1 - a) * z = a * z``). Both
    products by a per-channel constant are 1x1 depthwise convolutions, so ONNX Runtime fuses the
    first with its ``Relu`` and the second with the ``Add``, and the whole network stays in the
    blocked NCHWc layout. ONNX Runtime has no NCHWc ``PRelu``: each one otherwise costs two layout
    reorders plus a slow broadcast kernel; on the bundled MobileFaceNet that was about half its time.

    Only nodes whose slope is a float32 initializer of shape (C, 1, 1) or (1, C, 1, 1) and whose
    input is known (by ONNX shape inference) to be (N, C, H, W) are rewritten.

    Returns:
        The number of ``PRelu`` nodes replaced.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, shape_inference

    graph = model.graph
    initializers = {init.name: init for init in graph.initializer}
    inferred = shape_inference.infer_shapes(model).graph
    shapes = {
        value.name: [d.dim_value if d.HasField("dim_value") else -1 for d in value.type.tensor_type.shape.dim]
        for value in [*inferred.value_info, *inferred.input, *inferred.output]
        if value.type.tensor_type.HasField("shape")
    }
    nodes, count = [], 0
    for node in graph.node:
        slope = initializers.get(node.input[1]) if node.op_type == "PRelu" else None
        if slope is None or slope.data_type != TensorProto.FLOAT:
            nodes.append(node)
            continue
        a = numpy_helper.to_array(slope)
        channels = a.shape[-3] if a.ndim >= 3 else -1
        in_shape = shapes.get(node.input[0], [])
        if a.shape not in ((channels, 1, 1), (1, channels, 1, 1)) or len(in_shape) != 4 or in_shape[1] != channels:
            nodes.append(node)
            continue
        prefix = f"faceapp_prelu{count}_"
        minus_one = numpy_helper.from_array(np.full((channels, 1, 1, 1), -1.0, np.float32), prefix + "minus_one")
        one_minus_a = numpy_helper.from_array((1.0 - a).reshape(channels, 1, 1, 1).astype(np.float32),
                                              prefix + "one_minus_slope")
        graph.initializer.extend([minus_one, one_minus_a])
        z, y = node.input[0], node.output[0]
        depthwise: dict[str, Any] = {"group": channels, "kernel_shape": [1, 1]}
        nodes += [
            helper.make_node("Conv", [z, minus_one.name], [prefix + "neg"], prefix + "neg", **depthwise),
            helper.make_node("Relu", [prefix + "neg"], [prefix + "relu"], prefix + "relu"),
            helper.make_node("Conv", [prefix + "relu", one_minus_a.name], [prefix + "scaled"], prefix + "scale",
                             **depthwise),
            helper.make_node("Add", [z, prefix + "scaled"], [y], prefix + "add"),
        ]
        count += 1
    if count:
        del graph.node[:]
        graph.node.extend(nodes)
    return count
