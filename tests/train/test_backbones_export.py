"""Backbones, the bundled ONNX model as a PyTorch module, and export back into the registry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch")

from faceapp.errors import ModelError  # noqa: E402
from faceapp.train.backbones import BACKBONES, MobileFaceNet, build_backbone  # noqa: E402
from faceapp.train.backbones.iresnet import LAYERS  # noqa: E402
from faceapp.train.backbones.onnx_weights import mobilefacenet_from_onnx  # noqa: E402
from faceapp.train.data.transforms import chip_to_tensor  # noqa: E402
from faceapp.train.export import check_parity, export_embedder, export_onnx  # noqa: E402
from faceapp.vision.constants import MOBILEFACENET_MEAN, MOBILEFACENET_STD  # noqa: E402
from faceapp.vision.embed import Embedder  # noqa: E402
from faceapp.vision.models import ModelRegistry, bundled_models_dir  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402
from faceapp.vision.runtime import choose_provider  # noqa: E402

BUNDLED = bundled_models_dir() / "mobilefacenet_arcface_512.onnx"


@pytest.mark.parametrize("name", ["iresnet_tiny", "mobilefacenet_tiny"])
def test_tiny_backbones_embed_a_batch(name: str) -> None:
    model = build_backbone(name, embedding_size=24).eval()
    assert model(torch.zeros(3, 3, 112, 112)).shape == (3, 24)


def test_factory_names_and_iresnet_depths() -> None:
    assert {"iresnet18", "iresnet34", "iresnet50", "iresnet100", "mobilefacenet"} <= set(BACKBONES)
    with pytest.raises(ValueError, match="unknown backbone"):
        build_backbone("vgg")
    # The name is the depth: stem conv + two convs per block + the embedding layer.
    for name, layers in LAYERS.items():
        assert 1 + 2 * sum(layers) + 1 == int(name.removeprefix("iresnet"))
    r18 = build_backbone("iresnet18")
    assert sum(isinstance(m, torch.nn.Conv2d) for m in r18.modules()) == 21
    assert "features.weight" in r18.state_dict() and "layer1.0.bn1.running_mean" in r18.state_dict()


def test_mobilefacenet_matches_the_onnx_layout() -> None:
    model = MobileFaceNet(512)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) + 1 == 50  # + the final linear, a 1x1 conv in the ONNX file
    assert sum(isinstance(m, torch.nn.PReLU) for m in model.modules()) == 33
    assert 1.15e6 < sum(p.numel() for p in MobileFaceNet(512, deploy=True).parameters()) < 1.25e6


@pytest.fixture(scope="module")
def real_chips(lfw_dir: Path, pipeline: FacePipeline) -> np.ndarray:
    """Aligned BGR chips of a few real LFW photos."""
    chips = []
    for path in sorted((lfw_dir / "images").glob("*/*.jpg"))[:6]:
        faces = pipeline.process(pipeline.load(path), embed=False)
        if len(faces):
            chips.append(faces.chips[faces.largest()])
    assert len(chips) >= 4
    return np.stack(chips)


@pytest.mark.parametrize("deploy", [True, False])
def test_bundled_onnx_as_pytorch_matches_onnx_runtime_on_real_chips(real_chips: np.ndarray, deploy: bool) -> None:
    model = mobilefacenet_from_onnx(BUNDLED, deploy=deploy).eval()
    session = ort.InferenceSession(str(BUNDLED), providers=["CPUExecutionProvider"])
    batch = torch.stack([chip_to_tensor(c, MOBILEFACENET_MEAN, MOBILEFACENET_STD) for c in real_chips])
    with torch.no_grad():
        ours = model(batch).numpy()
    theirs = np.concatenate([session.run(None, {"input": x[None]})[0] for x in batch.numpy()])
    np.testing.assert_allclose(ours, theirs, atol=1e-4, rtol=0)


def test_onnx_weights_refuse_a_different_layout(tmp_path: Path) -> None:
    tiny = build_backbone("mobilefacenet_tiny")
    from faceapp.train.backbones.onnx_weights import load_onnx_weights

    with pytest.raises(ModelError, match="not a MobileFaceNet of this layout"):
        load_onnx_weights(tiny, BUNDLED)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="do not fit"):
        load_onnx_weights(MobileFaceNet(512, width=0.5), BUNDLED)


def test_export_has_dynamic_batch_and_parity(tmp_path: Path) -> None:
    model = build_backbone("iresnet_tiny", embedding_size=16)
    model.train()
    path = export_onnx(model, tmp_path / "m.onnx")
    assert model.training  # the caller's model is left as it was
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[0] == "batch"
    assert session.run(None, {"input": np.zeros((5, 3, 112, 112), np.float32)})[0].shape == (5, 16)
    assert check_parity(model.eval(), path) < 1e-4
    other = build_backbone("iresnet_tiny", embedding_size=16).eval()
    with pytest.raises(ModelError, match="differs"):
        check_parity(other, path)


def test_exported_model_round_trips_through_the_registry_and_embedder(real_chips: np.ndarray, tmp_path: Path) -> None:
    model = mobilefacenet_from_onnx(BUNDLED, deploy=False)
    user = tmp_path / "models"
    entry = export_embedder(model, user, "finetuned_mfn", MOBILEFACENET_MEAN, MOBILEFACENET_STD, source="test")
    manifest = json.loads((user / "manifest.json").read_text())
    assert [m["name"] for m in manifest["models"]] == ["finetuned_mfn"]
    bundled = json.loads((bundled_models_dir() / "manifest.json").read_text())["models"][1]
    assert set(bundled) - {"calibration", "calibration_flip"} == set(entry)  # calibrations are measured after export
    assert entry["mean"] == [127.0] * 3 and entry["std"] == [128.0] * 3 and entry["embedding_size"] == 512
    registry = ModelRegistry(user_dir=user)
    spec, session = registry.open("finetuned_mfn", choose_provider("cpu"))
    ours = Embedder(spec, session).embed(real_chips)
    ref_spec, ref_session = registry.open("mobilefacenet_arcface_512", choose_provider("cpu"))
    reference = Embedder(ref_spec, ref_session).embed(real_chips)
    np.testing.assert_allclose(ours, reference, atol=1e-4)
    export_embedder(build_backbone("mobilefacenet_tiny"), user, "finetuned_mfn", MOBILEFACENET_MEAN, MOBILEFACENET_STD)
    assert len(json.loads((user / "manifest.json").read_text())["models"]) == 1  # replaced, not duplicated
    with pytest.raises(ModelError, match="plain file name"):
        export_embedder(model, user, "../x", MOBILEFACENET_MEAN, MOBILEFACENET_STD)


def test_to_deploy_folds_batch_norm_and_the_export_loads_back(tmp_path: Path) -> None:
    from faceapp.train.backbones.mobilefacenet import mobilefacenet_tiny, to_deploy
    from faceapp.train.backbones.onnx_weights import load_onnx_weights

    torch.manual_seed(0)
    model = mobilefacenet_tiny(embedding_size=16)
    for module in model.modules():  # non-trivial batch-norm statistics
        if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            torch.nn.init.uniform_(module.weight, 0.5, 1.5)
            torch.nn.init.uniform_(module.bias, -0.2, 0.2)
    model.eval()
    folded = to_deploy(model)
    assert folded.deploy and not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    x = torch.randn(2, 3, 112, 112)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), atol=1e-5, rtol=1e-4)
    entry = export_embedder(model, tmp_path, "tiny", MOBILEFACENET_MEAN, MOBILEFACENET_STD)
    reloaded = load_onnx_weights(mobilefacenet_tiny(embedding_size=16, deploy=True), tmp_path / entry["file"])
    with torch.no_grad():
        torch.testing.assert_close(reloaded.eval()(x), model(x), atol=1e-5, rtol=1e-4)
