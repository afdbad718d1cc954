"""INT8 variants of the bundled detector and embedder, checked for speed and accuracy in one run.

Static post-training quantization with ONNX Runtime (QDQ, per-channel int8 weights, uint8
activations) after converting each graph to opset 13; calibration on real photos that no accuracy
figure uses: 24 wider-train-dev images for the detector, aligned chips of 64 celeba-dev photos for
the embedder. Then, interleaved with the float32 models: detection at 640x480 and embedding per
face, and accuracy: WIDER FACE AP on wider-dev (original scale, threshold 0.02) and LFW
verification on lfw-dev::

    python benchmarks/bench_pipeline.py --int8 --threads 2
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnx
import onnxruntime as ort

from faceapp.evaluation.lfw import evaluate_lfw
from faceapp.evaluation.wider import evaluate_wider
from faceapp.vision.detect import DetectOptions, create_detector
from faceapp.vision.embed import Embedder
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.runtime import session_options

log = logging.getLogger(__name__)


class _Reader:
    """Calibration batches for ``quantize_static``."""

    def __init__(self, name: str, batches: list[np.ndarray]) -> None:
        self._items = iter([{name: b} for b in batches])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)


def quantize(model: Path, out: Path, input_name: str, batches: list[np.ndarray], keep_float: str = "") -> Path:
    """Write the INT8 (QDQ) version of ``model`` to ``out``; nodes whose name contains one of the
    comma-separated ``keep_float`` parts stay float32."""
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    reader = type("Reader", (_Reader, CalibrationDataReader), {})(input_name, batches)
    opset13 = out.with_suffix(".opset13.onnx")
    onnx.save(version_converter.convert_version(onnx.load(str(model)), 13), str(opset13))
    prepared = out.with_suffix(".pre.onnx")
    quant_pre_process(str(opset13), str(prepared), skip_symbolic_shape=True)
    parts = [k for k in keep_float.split(",") if k]
    exclude = [n.name for n in onnx.load(str(prepared)).graph.node if any(k in n.name for k in parts)]
    quantize_static(str(prepared), str(out), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, nodes_to_exclude=exclude)
    return out


def _detector_input(pipe: FacePipeline, image: np.ndarray) -> np.ndarray:
    det = pipe.detector
    scale = det._scale_for(image.shape[:2])  # type: ignore[attr-defined]
    h, w = round(image.shape[0] * scale), round(image.shape[1] * scale)
    batch = np.zeros((1, 3, -(-h // 32) * 32, -(-w // 32) * 32), np.float32)
    det._normalise_into(cv2.resize(image, (w, h)), batch[0, :, :h, :w])  # type: ignore[attr-defined]
    return batch


def build_variants(pipe: FacePipeline, data: Path, threads: int, folder: Path) -> FacePipeline:
    """A pipeline with both models quantized (same options as ``pipe``)."""
    det_spec, emb_spec = pipe.detector.spec, pipe.embedder.spec  # type: ignore[attr-defined]
    wider_train = sorted((data / "wider-train-dev" / "images").glob("*/*.jpg"))[:24]
    det_batches = [_detector_input(pipe, cv2.imread(str(p))) for p in wider_train]
    chips = []
    for photo in sorted((data / "celeba-dev" / "images").glob("*/*.jpg"))[:64]:
        faces = pipe.process(pipe.load(photo), embed=False)
        if len(faces) and faces.chips is not None:
            chips.append(faces.chips[faces.largest()])
    emb_batches = [pipe.embedder._normalise(np.stack(chips[i : i + 8])) for i in range(0, len(chips), 8)]
    det_model = quantize(det_spec.path, folder / "det_int8.onnx", pipe.detector._input, det_batches)  # type: ignore[attr-defined]
    emb_model = quantize(emb_spec.path, folder / "emb_int8.onnx", pipe.embedder._input, emb_batches)
    options = session_options(threads)
    det_session = ort.InferenceSession(str(det_model), options, providers=["CPUExecutionProvider"])
    emb_session = ort.InferenceSession(str(emb_model), options, providers=["CPUExecutionProvider"])
    detector = create_detector(det_spec, det_session, pipe.detector.options)
    embedder = Embedder(emb_spec, emb_session, flip=pipe.embedder.flip, max_batch=4)
    return FacePipeline(detector, embedder, pipe.provider, pipe.max_image_pixels)


def accuracy(pipe: FacePipeline, data: Path) -> dict[str, float]:
    """WIDER AP (wider-dev, official protocol) and LFW accuracy / TAR@FAR 1e-3 (lfw-dev)."""
    official = create_detector(pipe.detector.spec, pipe.detector.session,  # type: ignore[attr-defined]
                               DetectOptions(long_side=0, score_threshold=0.02))
    wider = evaluate_wider(official, data / "wider-dev" / "images", data / "wider-dev" / "wider_face_val_bbx_gt.txt",
                           data / "wider-dev" / "settings.json")
    lfw = evaluate_lfw(pipe, data / "lfw-dev" / "images", data / "lfw-dev" / "pairs.txt")
    return {"wider_ap_easy": round(wider.easy_ap, 4), "wider_ap_medium": round(wider.medium_ap, 4),
            "wider_ap_hard": round(wider.hard_ap, 4), "lfw_accuracy": round(float(lfw.result.accuracy), 4),
            "lfw_tar_at_far_1e-3": round(float(lfw.result.tar_at_far), 4), "lfw_no_face": len(lfw.no_face)}


def int8_figures(pipe: FacePipeline, data: Path, frame: np.ndarray, chips: np.ndarray, repeat: int,
                 interleaved: Any, threads: int) -> dict[str, Any]:
    """Speed (interleaved with float32) and accuracy of the INT8 pipeline."""
    with tempfile.TemporaryDirectory() as tmp:
        q = build_variants(pipe, data, threads, Path(tmp))
        eight = chips[:8]
        out: dict[str, Any] = {
            "detect_640x480_ms": interleaved({"float32": lambda: pipe.detect(frame), "int8": lambda: q.detect(frame)},
                                             repeat),
            "embed_8_faces_ms": interleaved({"float32": lambda: pipe.embed_chips(eight),
                                             "int8": lambda: q.embed_chips(eight)}, repeat),
            "accuracy": {"float32": accuracy(pipe, data), "int8": accuracy(q, data)},
        }
        e32, e8 = pipe.embed_chips(eight), q.embed_chips(eight)
        out["embedding_cosine_int8_vs_float32"] = round(float(np.min(np.sum(e32 * e8, axis=1))), 4)
    return out
