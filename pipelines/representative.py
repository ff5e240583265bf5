"""Representative inputs for full-integer (int8) calibration.

In order of preference: a CSV manifest given by the user, the training manifests listed in the
model's ``metadata.json``, the repository's ``samples/``, synthetic input.  Each input is what
the TFLite model reads: 16 kHz PCM for speech, feature frames for ink (or speech with deltas).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognizer.features_graph import supports_graph
from recognizer.frontend import compute_features, load_input
from recognizer.ink import INK_SUFFIXES
from recognizer.model_dir import MODELS_DIR, ModelSpec

MAX_SECONDS = 8.0  # longer clips are cut: calibration cost grows with length


def _candidates(spec: ModelSpec, directory: Path, csv: str | None) -> list[Path]:
    if csv:
        return [Path(csv)]
    roots = [Path.cwd(), MODELS_DIR.parent, directory]
    listed = spec.metadata.get("training", {}).get("manifests", [])
    return [root / name for name in listed for root in roots]


def _from_manifests(spec: ModelSpec, paths: list[Path], limit: int, seed: int):
    from pipelines.data import read_manifest

    for path in paths:
        try:
            utterances = read_manifest(path)
        except (OSError, ValueError):
            continue
        order = np.random.default_rng(seed).permutation(len(utterances))
        items = [_prepare(spec, utterances[i].path) for i in order[:limit * 2]]
        items = [x for x in items if x is not None][:limit]
        if items:
            return items, str(path)
    return [], None


def _prepare(spec: ModelSpec, path: str):
    """The model input of one file, or None when it cannot be read."""
    try:
        loaded = load_input(spec.modality, path)
    except (OSError, ValueError):
        return None
    config = spec.feature_config
    if spec.modality == "speech" and supports_graph(config):
        return loaded[:int(MAX_SECONDS * config.sample_rate)]
    return compute_features(spec.modality, loaded, config)


def representative_inputs(spec: ModelSpec, directory: Path, csv: str | None = None, limit: int = 50,
                          seed: int = 0) -> tuple[list[np.ndarray], str]:
    """(inputs, where they came from)."""
    items, source = _from_manifests(spec, _candidates(spec, directory, csv), limit, seed)
    if items:
        return items, source
    samples = MODELS_DIR.parent / "samples"
    suffixes = INK_SUFFIXES if spec.modality == "ink" else (".wav",)
    files = sorted(p for p in samples.glob("*") if p.suffix.lower() in suffixes) if samples.is_dir() else []
    items = [x for x in (_prepare(spec, str(p)) for p in files) if x is not None]
    if items:
        return items, f"{samples} (no training manifest readable)"
    rng = np.random.default_rng(seed)
    if spec.modality == "speech" and supports_graph(spec.feature_config):
        items = [(0.1 * rng.normal(size=16000 * s)).astype(np.float32) for s in (1, 2, 3)]
    else:
        items = [rng.normal(size=(n, spec.feature_config.dim)).astype(np.float32) for n in (50, 100, 200)]
    return items, "synthetic noise (no training manifest or sample readable)"
