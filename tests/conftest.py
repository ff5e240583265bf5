"""Shared fixtures: the bundled samples and a small synthetic tone."""

import csv
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def sample_rows():
    with (SAMPLES / "transcripts.csv").open() as f:
        return [(SAMPLES / r["wav_filename"], r["transcript"]) for r in csv.DictReader(f)]


@pytest.fixture
def tone():
    t = np.arange(8000) / 16000
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
