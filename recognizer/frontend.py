"""Modality front-ends: how speech and ink inputs become feature frames for the shared model.

One table maps a modality to its feature configuration, loader and feature function, so
training, serving and evaluation all go through the same code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognizer.audio import SAMPLE_RATE, load_audio
from recognizer.features import FeatureConfig, mfcc
from recognizer.ink import INK_SUFFIXES, Ink, load_ink
from recognizer.ink_features import InkFeatureConfig, ink_features

MODALITIES = ("speech", "ink")


def modality_of_path(path: str | Path) -> str:
    """``ink`` for .inkml/.xml/.json files, ``speech`` otherwise."""
    return "ink" if Path(path).suffix.lower() in INK_SUFFIXES else "speech"


def feature_config(modality: str, data: dict | None = None):
    """The feature configuration object of ``modality`` from its JSON/TOML dict."""
    if modality == "speech":
        return FeatureConfig.from_dict(data or {})
    if modality == "ink":
        return InkFeatureConfig.from_dict(data or {})
    raise ValueError(f"unknown modality {modality!r} (expected one of {MODALITIES})")


def load_input(modality: str, source, sample_rate: int | None = None):
    """Audio as 16 kHz float32 (path or array), or an :class:`Ink` (path or Ink)."""
    if modality == "ink":
        return source if isinstance(source, Ink) else load_ink(source)
    if not isinstance(source, (str, Path)) and sample_rate is None:
        sample_rate = SAMPLE_RATE
    return load_audio(source, sample_rate)


def compute_features(modality: str, loaded, config) -> np.ndarray:
    """Feature frames ``(T, F)`` float32 of a loaded input."""
    return ink_features(loaded, config) if modality == "ink" else mfcc(loaded, config)
