"""Qt-free, torch-free face inference: detect, align, embed, assess quality."""
