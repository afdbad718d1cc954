"""Trainer tests never touch the user's real data folders, and use one CPU thread."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point ``FACEAPP_HOME`` into the test's temporary folder."""
    monkeypatch.setenv("FACEAPP_HOME", str(tmp_path / "faceapp_home"))


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> None:
    """One intra-op thread: the tiny models gain nothing from more, and on a shared machine
    spinning OpenMP threads multiply the CPU time several-fold."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
