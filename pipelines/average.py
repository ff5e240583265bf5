"""Average the weights of several trainings of one network (checkpoint averaging, a "model soup").

    python -m pipelines.average saved_models/speech-en runs/speech-en/last.weights.h5 --out data/exp/speech-en-avg
    python -m pipelines.average MODEL_DIR OTHER_MODEL_DIR --shares 0.7 0.3 --out OUT

The first source is a model directory: the output takes its config, vocabulary, metadata and
other files (``lm.arpa.gz``); the others are model directories or Keras weight files of the
same network. Every weight becomes the weighted mean (equal shares unless ``--shares``); when
the first model keeps its kernels on the int8 grid (``int8_grid`` in its metadata) they are
snapped back onto it, so ``model.tflite`` still computes exactly what Keras does. Averaging an
epoch's weights with those it started from can keep most of what the epoch gained on new data
while undoing part of what it lost (speech-en stage 16). Export again afterwards.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from pipelines import int8_weights
from recognizer.model_dir import (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE, ModelLoadError, load_keras_model,
                                  resolve_model_path, save_model_dir)
from recognizer.runners import TFLITE_INFO

LEFT_OUT = (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE, TFLITE_INFO)  # written anew, or stale


def average_weights(weight_sets: list[list[np.ndarray]], shares: list[float]) -> list[np.ndarray]:
    """The weighted mean of each weight over ``weight_sets`` (shares normalised to sum to 1)."""
    if len(shares) != len(weight_sets) or min(shares) < 0 or sum(shares) <= 0:
        raise ValueError(f"need one non-negative share per source ({len(weight_sets)}), not {shares}")
    if len({len(ws) for ws in weight_sets}) != 1 or any(
            a.shape != b.shape for ws in weight_sets[1:] for a, b in zip(weight_sets[0], ws)):
        raise ValueError("the sources are not the same network")
    total = float(sum(shares))
    return [sum((s / total) * w[i] for s, w in zip(shares, weight_sets)).astype(weight_sets[0][i].dtype)
            for i in range(len(weight_sets[0]))]


def _weights_file(source: str) -> Path:
    path = Path(source)
    return path if path.is_file() else resolve_model_path(source) / WEIGHTS_FILE


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.average", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model directory (or a bundled model's name): config, metadata, LM")
    parser.add_argument("others", nargs="+", help="model directories or .weights.h5 files of the same network")
    parser.add_argument("--shares", type=float, nargs="+",
                        help="one share per source, the model first (default: equal)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the averaged model")
    args = parser.parse_args(argv)
    sources = [args.model, *args.others]
    shares = args.shares or [1.0] * len(sources)
    try:
        spec, model = load_keras_model(args.model)
        weight_sets = [model.get_weights()]
        for source in args.others:
            model.load_weights(_weights_file(source))
            weight_sets.append(model.get_weights())
        model.set_weights(average_weights(weight_sets, shares))
    except (ModelLoadError, ValueError, OSError) as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    snapped = int8_weights.snap_model(model) if spec.metadata.get("int8_grid") else 0
    metadata = {k: v for k, v in spec.metadata.items() if k not in ("complete", "evaluation")}  # not measured
    metadata["averaged"] = {"sources": [str(s) for s in sources], "shares": shares, "snapped_to_int8_grid": snapped}
    first = resolve_model_path(args.model)
    extra = {f.name: f.read_bytes() for f in first.iterdir()
             if f.is_file() and f.name not in LEFT_OUT and f.suffix != ".tflite"}
    save_model_dir(args.out, dataclasses.replace(spec, metadata=metadata), model, extra_files=extra)
    print(f"wrote {args.out}: the mean of {len(sources)} weight sets (shares {shares})"
          + (f", {snapped} kernels snapped to the int8 grid" if snapped else "") + "; export it again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
