"""The model registry: bundled models, damaged files, bad manifests, user (InsightFace-style) models."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from faceapp.errors import ModelError, ModelIntegrityError, ModelNotFoundError
from faceapp.vision import constants as C
from faceapp.vision.embed import Embedder
from faceapp.vision.models import MANIFEST, ModelRegistry, bundled_models_dir
from faceapp.vision.runtime import ProviderInfo, choose_provider

BUNDLED = json.loads((bundled_models_dir() / MANIFEST).read_text(encoding="utf-8"))["models"]
SMALL = "eye_state_24"  # the smallest bundled model, copied into user folders below


@pytest.fixture(scope="module")
def cpu() -> ProviderInfo:
    return choose_provider("cpu")


def _entry(name: str) -> dict[str, Any]:
    return dict(next(e for e in BUNDLED if e["name"] == name))


def _write_manifest(folder: Path, entries: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(json.dumps({"version": 1, "models": entries}), encoding="utf-8")


def _user_copy(folder: Path, name: str = SMALL, **changes: Any) -> tuple[ModelRegistry, Path, dict[str, Any]]:
    """Copy bundled model ``name`` into a user folder as ``user_<name>``; its registry and file."""
    entry = _entry(name)
    target = folder / entry["file"]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundled_models_dir() / entry["file"], target)
    target.chmod(0o644)
    entry.update(name=f"user_{name}", **changes)
    _write_manifest(folder, [entry])
    return ModelRegistry(user_dir=folder), target, entry


def _concrete(shape: list[int]) -> list[int]:
    """A runnable input shape: free batch -> 1, free spatial dims -> 64."""
    return [(1 if i == 0 else 64) if d == -1 else d for i, d in enumerate(shape)]


@pytest.mark.parametrize("entry", BUNDLED, ids=[e["name"] for e in BUNDLED])
def test_bundled_model_opens_and_runs_to_its_signature(entry: dict[str, Any], cpu: ProviderInfo) -> None:
    spec, session = ModelRegistry().open(entry["name"], cpu, threads=1)
    assert spec.bundled and spec.path.is_file()
    assert [i.name for i in session.get_inputs()] == list(entry["inputs"])
    (name, shape), = entry["inputs"].items()
    feed = np.zeros(_concrete(shape), np.float32)
    outputs = session.run(list(entry["outputs"]), {name: feed})
    for out, want in zip(outputs, entry["outputs"].values(), strict=True):
        assert out.ndim == len(want)
        assert all(w in (-1, g) for g, w in zip(out.shape, want, strict=True)), (out.shape, want)
        assert np.isfinite(out).all()


def test_bundled_manifest_hashes_match_files() -> None:
    for entry in BUNDLED:
        data = (bundled_models_dir() / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]


def test_user_copy_of_a_bundled_model_opens(tmp_path: Path, cpu: ProviderInfo) -> None:
    registry, _, _ = _user_copy(tmp_path)
    spec, _ = registry.open(f"user_{SMALL}", cpu, threads=1)
    assert not spec.bundled and spec.path.parent == tmp_path
    assert SMALL in registry.names("eye_state")


def test_flipped_byte_is_an_integrity_error(tmp_path: Path, cpu: ProviderInfo) -> None:
    registry, path, entry = _user_copy(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError) as info:
        registry.open(entry["name"], cpu)
    message = str(info.value)
    assert entry["name"] in message and str(path) in message
    assert "damaged" in message and entry["sha256"][:12] in message and "restore" in message


def test_truncated_file_is_an_integrity_error(tmp_path: Path, cpu: ProviderInfo) -> None:
    registry, path, entry = _user_copy(tmp_path)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelIntegrityError, match="damaged"):
        registry.open(entry["name"], cpu)


def test_truncated_file_with_matching_hash_still_fails_to_load(tmp_path: Path, cpu: ProviderInfo) -> None:
    # Even if the hash was "fixed" to match a broken file, ONNX Runtime's refusal is reported cleanly.
    _, path, entry = _user_copy(tmp_path)
    truncated = path.read_bytes()[:1000]
    path.write_bytes(truncated)
    entry["sha256"] = hashlib.sha256(truncated).hexdigest()
    _write_manifest(tmp_path, [entry])
    with pytest.raises(ModelIntegrityError, match="cannot load this model"):
        ModelRegistry(user_dir=tmp_path).open(entry["name"], cpu)


def test_missing_file_is_not_found(tmp_path: Path, cpu: ProviderInfo) -> None:
    registry, path, entry = _user_copy(tmp_path)
    path.unlink()
    with pytest.raises(ModelNotFoundError, match=r"file .* is missing"):
        registry.open(entry["name"], cpu)


def test_unknown_name_lists_known_models() -> None:
    registry = ModelRegistry()
    with pytest.raises(ModelNotFoundError) as info:
        registry.spec("no_such_model")
    message = str(info.value)
    assert "no_such_model" in message
    for entry in BUNDLED:
        assert entry["name"] in message


def test_wrong_input_shape_in_manifest(tmp_path: Path, cpu: ProviderInfo) -> None:
    registry, _, entry = _user_copy(tmp_path, inputs={"input": [1, 1, 32, 32]})
    with pytest.raises(ModelIntegrityError, match=r"input 'input' has shape \[1, 1, 24, 24\]"):
        registry.open(entry["name"], cpu)


def test_wrong_input_name_in_manifest(tmp_path: Path, cpu: ProviderInfo) -> None:
    registry, _, entry = _user_copy(tmp_path, inputs={"data": [1, 1, 24, 24]})
    with pytest.raises(ModelIntegrityError, match="'data' not found"):
        registry.open(entry["name"], cpu)


@pytest.mark.parametrize(
    "text", ["{not json", "[]", '{"models": 3}', '{"models": [1]}', '{"version": 1}', ""],
    ids=["syntax", "not-an-object", "models-not-a-list", "entry-not-an-object", "no-models", "empty"],
)
def test_malformed_manifest_is_a_model_error(tmp_path: Path, text: str) -> None:
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match="manifest"):
        ModelRegistry(user_dir=tmp_path)


def test_manifest_that_is_not_utf8_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_bytes(b'{"models": [{"name": "\xff\xfe"}]}')
    with pytest.raises(ModelError, match="cannot read the model manifest"):
        ModelRegistry(user_dir=tmp_path)


@pytest.mark.parametrize("drop", ["kind", "file", "sha256", "inputs"])
def test_entry_missing_a_field_is_a_model_error(tmp_path: Path, drop: str) -> None:
    entry = _entry(SMALL)
    del entry[drop]
    _write_manifest(tmp_path, [entry])
    with pytest.raises(ModelError, match=r"malformed|kind must be"):
        ModelRegistry(user_dir=tmp_path)


def test_unknown_kind_is_a_model_error(tmp_path: Path) -> None:
    _write_manifest(tmp_path, [{**_entry(SMALL), "kind": "toaster"}])
    with pytest.raises(ModelError, match="kind must be one of"):
        ModelRegistry(user_dir=tmp_path)


def test_user_entry_overrides_bundled_name(tmp_path: Path) -> None:
    entry = _entry(SMALL)
    shutil.copyfile(bundled_models_dir() / entry["file"], tmp_path / entry["file"])
    _write_manifest(tmp_path, [entry])
    spec = ModelRegistry(user_dir=tmp_path).spec(SMALL)
    assert not spec.bundled and spec.path == tmp_path / entry["file"]


# --- a user InsightFace-style embedder ------------------------------------------------------------

POOL = 28  # 112 / 28 = 4: the tiny embedder sees a 3x4x4 average-pooled chip


def _tiny_embedder(rng: np.random.Generator) -> tuple[onnx.ModelProto, np.ndarray, np.ndarray]:
    """``input.1`` (N, 3, 112, 112) -> avg-pool 28 -> flatten (N, 48) -> Gemm -> ``683`` (N, 512)."""
    weight = rng.normal(size=(48, 512)).astype(np.float32)
    bias = rng.normal(size=512).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["input.1"], ["pooled"], kernel_shape=[POOL, POOL], strides=[POOL, POOL]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "weight", "bias"], ["683"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny_arcface",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["None", 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, ["None", 512])],
        initializer=[numpy_helper.from_array(weight, "weight"), numpy_helper.from_array(bias, "bias")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, weight, bias


def _numpy_embed(chips: np.ndarray, weight: np.ndarray, bias: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The tiny graph in numpy: BGR chips (N, 112, 112, 3) -> unit vectors (N, 512)."""
    x = (chips[..., ::-1].astype(np.float64) - mean) / std
    pooled = x.reshape(len(x), 4, POOL, 4, POOL, 3).mean(axis=(2, 4)).transpose(0, 3, 1, 2)
    features = pooled.reshape(len(x), -1) @ weight + bias
    return features / np.linalg.norm(features, axis=1, keepdims=True)


@pytest.fixture()
def insightface_embedder(tmp_path: Path, cpu: ProviderInfo) -> tuple[Embedder, np.ndarray, np.ndarray]:
    model, weight, bias = _tiny_embedder(np.random.default_rng(7))
    data = model.SerializeToString()
    (tmp_path / "w600k_tiny.onnx").write_bytes(data)
    _write_manifest(tmp_path, [{
        "name": "w600k_tiny", "kind": "embedder", "family": "arcface", "file": "w600k_tiny.onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "inputs": {"input.1": [-1, 3, 112, 112]}, "outputs": {"683": [-1, 512]},
        "input_size": [112, 112], "color": "RGB",
        "mean": [C.INSIGHTFACE_MEAN] * 3, "std": [C.INSIGHTFACE_STD] * 3,
        "template": "arcface_112", "embedding_size": 512,
    }])
    spec, session = ModelRegistry(user_dir=tmp_path).open("w600k_tiny", cpu, threads=1)
    assert isinstance(session, ort.InferenceSession)
    return Embedder(spec, session, max_batch=4), weight, bias


def test_insightface_style_embedder_matches_numpy(
    insightface_embedder: tuple[Embedder, np.ndarray, np.ndarray],
) -> None:
    embedder, weight, bias = insightface_embedder
    # Channels differ so that a BGR/RGB mix-up would show; 7 chips > max_batch exercise chunking.
    chips = np.random.default_rng(3).integers(0, 256, size=(7, 112, 112, 3), dtype=np.uint8)
    chips[..., 0] //= 4
    got = embedder.embed(chips)
    assert got.shape == (7, 512) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    want = _numpy_embed(chips, weight, bias, C.INSIGHTFACE_MEAN, C.INSIGHTFACE_STD)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # The check above can tell the normalisations and colour orders apart.
    for mean, std, order in ((C.MOBILEFACENET_MEAN, C.MOBILEFACENET_STD, 1), (127.5, 127.5, -1)):
        other = _numpy_embed(chips[..., ::order], weight, bias, mean, std)
        assert np.abs(other - got).max() > 1e-3


def test_insightface_style_embedder_empty_and_bad_shape(
    insightface_embedder: tuple[Embedder, np.ndarray, np.ndarray],
) -> None:
    embedder, _, _ = insightface_embedder
    assert embedder.dim == 512
    assert embedder.embed(np.zeros((0, 112, 112, 3), np.uint8)).shape == (0, 512)
    with pytest.raises(ValueError, match="112"):
        embedder.embed(np.zeros((1, 96, 96, 3), np.uint8))
