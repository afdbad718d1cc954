"""Evaluation protocols (LFW verification, WIDER FACE detection AP). Qt-free, torch-free."""
