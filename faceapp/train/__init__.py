"""Recognition trainer (PyTorch): backbones, margin and metric losses, data, loop, ONNX export.

Nothing here is imported by the inference engine; the only bridge back is an exported ONNX file
plus its manifest entry, which :class:`faceapp.vision.models.ModelRegistry` loads like any other
model. Importing :mod:`faceapp.train` itself does not import torch.
"""
