"""Choosing the execution provider: CUDA only when it works, with a reason the user can act on."""

import ctypes
from pathlib import Path

import pytest

from faceapp.errors import ConfigError, ModelIntegrityError
from faceapp.vision import runtime
from faceapp.vision.runtime import ProviderInfo, choose_provider, create_session

CUDA = "CUDAExecutionProvider"


@pytest.fixture(autouse=True)
def fresh_choice():
    choose_provider.cache_clear()
    yield
    choose_provider.cache_clear()


def test_cpu_when_asked() -> None:
    info = choose_provider("cpu")
    assert info.name == "CPU" and info.providers == ["CPUExecutionProvider"]
    assert "settings" in info.describe()


def test_unknown_preference_is_rejected() -> None:
    with pytest.raises(ConfigError):
        choose_provider("tpu")


def test_missing_cuda_library_names_it_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.ort, "get_available_providers", lambda: [CUDA, "CPUExecutionProvider"])

    def fake_cdll(name: str, *args: object, **kwargs: object) -> object:
        if name == "libcublasLt.so.13":
            raise OSError(f"{name}: cannot open shared object file")
        return object()

    monkeypatch.setattr(ctypes, "CDLL", fake_cdll)
    monkeypatch.setattr(runtime, "_preload_pip_cuda", lambda: None)
    info = choose_provider("auto")
    assert info.name == "CPU"
    assert info.reason == "GPU not used: libcublasLt.so.13 not found — install faceapp[cuda]"


def test_no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.ort, "get_available_providers", lambda: [CUDA, "CPUExecutionProvider"])

    def no_driver(name: str, *args: object, **kwargs: object) -> object:
        raise OSError(name)

    monkeypatch.setattr(ctypes, "CDLL", no_driver)
    assert "no NVIDIA driver" in choose_provider("auto").reason


def test_cpu_only_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    assert "no CUDA support" in choose_provider("cuda").reason


def test_this_machine_falls_back_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    """On a machine without a working GPU the choice is CPU and ONNX Runtime prints nothing."""
    info = choose_provider("auto")
    _, err = capfd.readouterr()
    if info.name == "CPU":
        assert info.reason.startswith("GPU not used: ")
    assert "onnxruntime" not in err.lower() and "error" not in err.lower()


def test_broken_model_file_is_a_model_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07garbage")
    with pytest.raises(ModelIntegrityError, match="cannot load this model"):
        create_session(broken, ProviderInfo("CPU", "CPU", ""))


def test_prelu_rewrite_keeps_embeddings(tmp_path: Path) -> None:
    """The CPU rewrite of the embedder's PRelu layers changes speed, not results."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    from faceapp.vision.models import ModelRegistry
    from faceapp.vision.runtime import rewrite_prelu

    spec = ModelRegistry().spec("mobilefacenet_arcface_512")
    proto = onnx.load(str(spec.path))
    assert rewrite_prelu(proto) == 33
    assert not any(node.op_type == "PRelu" for node in proto.graph.node)
    onnx.checker.check_model(proto)

    rewritten = create_session(spec.path, ProviderInfo("CPU", "CPU", ""))
    plain = ort.InferenceSession(str(spec.path), providers=["CPUExecutionProvider"])
    chips = np.random.default_rng(3).uniform(-1, 1, (3, 3, 112, 112)).astype(np.float32)
    got = rewritten.run(None, {"input": chips})[0]
    want = plain.run(None, {"input": chips})[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max()))
