"""Give a trained model wider LSTMs that compute exactly what it computed, then train on.

    python -m pipelines.widen saved_models/speech-en --lstm-units 256 --out data/exp/speech-en-256

Each new LSTM unit gets small random weights of its own (input, recurrent, bias), while every
weight that carries a new unit's output to an old unit or to the logits starts at zero. The
wider network therefore gives the narrow one's logits until training moves those weights, and
those weights do get gradients, so the new units start to count from the first step. (Net2Net's
function-preserving growth, with zero fan-out instead of copied units.) Train it on with
``python -m pipelines.train ... --set train.init_from=OUT --set model.lstm_units=N``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

GATES = 4  # Keras LSTM kernels hold the gates side by side: input, forget, cell, output


def _widen_columns(matrix: np.ndarray, old: int, new: int, fill: np.ndarray) -> np.ndarray:
    """(rows, 4*old) gate columns -> (rows, 4*new): each gate's old columns first, then ``fill``'s."""
    rows = matrix.shape[0]
    out = np.empty((rows, GATES * new), np.float32)
    for gate in range(GATES):
        out[:, gate * new: gate * new + old] = matrix[:, gate * old:(gate + 1) * old]
        out[:, gate * new + old:(gate + 1) * new] = fill[:, gate * (new - old):(gate + 1) * (new - old)]
    return out


def bidirectional_rows(old: int, new: int) -> np.ndarray:
    """Where the old [forward, backward] outputs (2*old) sit among the new ones (2*new)."""
    return np.concatenate([np.arange(old), new + np.arange(old)])


def widen_lstm(kernel, recurrent, bias, old: int, new: int, input_rows: np.ndarray | None,
               input_dim: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One direction of one LSTM layer grown from ``old`` to ``new`` units.

    ``input_rows`` places the old kernel's rows among the ``input_dim`` new ones (None: the
    input did not grow). Rows of new inputs feed only new units; so does the recurrent state of
    new units; new units take random weights from every input and every unit."""
    grown = GATES * (new - old)
    limit = np.sqrt(6.0 / (input_dim + GATES * new))  # Glorot-uniform, as Keras starts a kernel
    kernel_fill = rng.uniform(-limit, limit, (input_dim, grown)).astype(np.float32)
    placed_kernel = np.zeros((input_dim, GATES * old), np.float32)  # the old columns, new input rows at 0
    placed_kernel[np.arange(input_dim) if input_rows is None else input_rows] = kernel
    new_kernel = _widen_columns(placed_kernel, old, new, kernel_fill)

    recurrent_limit = np.sqrt(3.0 / new)  # rows of unit length on average, like an orthogonal start
    recurrent_fill = rng.uniform(-recurrent_limit, recurrent_limit, (new, grown)).astype(np.float32) / np.sqrt(GATES)
    placed_recurrent = np.zeros((new, GATES * old), np.float32)  # new units' state feeds no old unit
    placed_recurrent[:old] = recurrent
    new_recurrent = _widen_columns(placed_recurrent, old, new, recurrent_fill)

    bias_fill = np.zeros((1, grown), np.float32)
    bias_fill[0, (new - old):2 * (new - old)] = 1.0  # the forget gate starts open (Keras' unit_forget_bias)
    new_bias = _widen_columns(np.asarray(bias, np.float32)[None], old, new, bias_fill)[0]
    return new_kernel, new_recurrent, new_bias


def widen_model(model, lstm_units: int, seed: int = 0):
    """A new built model like ``model`` but with ``lstm_units`` per LSTM direction, same function."""
    from recognizer.model import build_model

    config = model.config
    old = config.lstm_units
    if lstm_units <= old:
        raise ValueError(f"--lstm-units must exceed the model's {old}")
    wide = build_model(dataclasses.replace(config, lstm_units=lstm_units))
    rng = np.random.default_rng(seed)
    rows = bidirectional_rows(old, lstm_units)
    for narrow_layer, wide_layer in zip(model.layers, wide.layers):
        weights = narrow_layer.get_weights()
        if narrow_layer.name.startswith("bilstm"):
            first = narrow_layer.name == "bilstm0"
            input_dim = wide_layer.weights[0].shape[0]  # the forward kernel's rows
            grown = []
            for direction in range(2):  # forward, backward
                kernel, recurrent, bias = weights[3 * direction: 3 * direction + 3]
                grown += widen_lstm(kernel, recurrent, bias, old, lstm_units, None if first else rows,
                                    input_dim, rng)
            weights = grown
        elif narrow_layer.name == "logits":
            kernel, bias = weights
            wide_kernel = np.zeros((2 * lstm_units, kernel.shape[1]), np.float32)
            wide_kernel[rows] = kernel
            weights = [wide_kernel, bias]
        wide_layer.set_weights(weights)
    return wide


def largest_difference(narrow, wide, seed: int = 0) -> float:
    """Max |logit difference| of the two models on a random padded batch."""
    rng = np.random.default_rng(seed)
    frames = 12 * narrow.config.subsampling
    features = rng.standard_normal((2, frames, narrow.config.input_dim)).astype(np.float32)
    lengths = np.array([frames, frames // 2], np.int32)
    out = [np.asarray(m.infer(features, lengths)) for m in (narrow, wide)]
    valid = np.arange(out[0].shape[1])[None, :] < narrow.output_lengths(lengths).numpy()[:, None]
    return float(np.abs(out[0] - out[1])[valid].max())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.widen", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model directory (or a bundled model's name)")
    parser.add_argument("--lstm-units", type=int, required=True, help="units per LSTM direction, more than now")
    parser.add_argument("--out", type=Path, required=True, help="directory for the wider model")
    parser.add_argument("--seed", type=int, default=0, help="seed of the new units' random weights")
    args = parser.parse_args(argv)

    from pipelines.train import inherited_decoding
    from recognizer.model_dir import ModelLoadError, ModelSpec, load_keras_model, resolve_model_path, save_model_dir

    try:
        spec, model = load_keras_model(args.model)
        wide = widen_model(model, args.lstm_units, args.seed)
    except (ModelLoadError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    difference = largest_difference(model, wide)
    metadata = {**spec.metadata, "parameters": wide.count_params(),
                "widened": {"from_lstm_units": model.config.lstm_units, "to_lstm_units": args.lstm_units,
                            "seed": args.seed, "largest_logit_difference": difference}}
    metadata.pop("complete", None)  # no exports are written here: train, then export
    wide_spec = ModelSpec(spec.modality, spec.features, wide.config.to_dict(), spec.vocabulary, metadata)
    # the same logits: its language model and the decoder settings tuned for it still fit
    _, lm_files = inherited_decoding(resolve_model_path(args.model), spec.metadata)
    save_model_dir(args.out, wide_spec, wide, extra_files=lm_files)
    print(f"wrote {args.out}: {model.count_params():,} -> {wide.count_params():,} parameters, "
          f"largest logit difference {difference:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
