"""Detection trainer (PyTorch): RetinaFace-mnet0.25 from the bundled weights, ``label.txt`` data
with the original augmentation, multibox loss with hard negative mining, WIDER AP evaluation with
the app's own decoder, and ONNX export that the app loads unchanged. Importing this package does
not import torch."""
