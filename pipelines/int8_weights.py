"""Weight-only int8: int8 weights with one scale per output channel, float arithmetic.

    python -m pipelines.int8_weights MODEL_DIR    # put a trained model's weights on the grid

One quantization rule serves two places:

* :func:`snap_model` puts a Keras model's kernels on the int8 grid (``scale * q`` with ``q`` in
  [-127, 127], one ``scale = max|w| / 127`` per output channel, the kernels' last axis), so the
  float32 model *is* the int8 one;
* :func:`int8_weights_tflite` rewrites a float32 TFLite model: each weight tensor of CONV_2D,
  FULLY_CONNECTED and the LSTM ops is stored as int8 with per-channel scales (axis 0 in
  TFLite's layouts) and a DEQUANTIZE op feeds it to the unchanged float kernel.

On snapped weights the rewrite loses nothing (the scales are chosen so that ``scale * q``
gives back every float32 weight exactly), and the file is about a quarter of float32. Unlike
dynamic-range quantization, no activation is rounded to 8 bits at run time.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

LEVELS = 127  # symmetric int8: q in [-127, 127], zero point 0
# op name -> input positions that hold weights
WEIGHT_INPUTS = {"CONV_2D": (1,), "FULLY_CONNECTED": (1,), "DEPTHWISE_CONV_2D": (1,),
                 "UNIDIRECTIONAL_SEQUENCE_LSTM": (1, 2, 3, 4, 5, 6, 7, 8),
                 "BIDIRECTIONAL_SEQUENCE_LSTM": (1, 2, 3, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 23, 24, 25)}
MIN_ELEMENTS = 1024  # smaller tensors stay float
SCHEME = "symmetric int8, one scale per output channel"


def channel_scales(weights: np.ndarray, axis: int) -> np.ndarray:
    """One float32 scale per channel along ``axis``: max |w| / 127 (1 for an all-zero channel)."""
    w = np.moveaxis(np.asarray(weights, np.float32), axis, 0).reshape(weights.shape[axis], -1)
    peak = np.abs(w).max(axis=1)
    return np.where(peak > 0, peak / np.float32(LEVELS), np.float32(1)).astype(np.float32)


def quantize(weights: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """``(q, scales)``: int8 values and per-channel scales with ``q * scale ~= weights``.

    Where a scale's neighbouring float32 values rebuild the channel exactly, that one is
    taken, so weights already on the grid come back bit for bit."""
    w = np.moveaxis(np.asarray(weights, np.float32), axis, 0)
    scales = channel_scales(weights, axis)
    q = np.empty(w.shape, np.int8)
    for c in range(w.shape[0]):
        best = None
        for s in (scales[c], np.nextafter(scales[c], np.float32(0)), np.nextafter(scales[c], np.float32(np.inf))):
            qc = np.clip(np.rint(w[c] / s), -LEVELS, LEVELS)
            error = np.abs(qc.astype(np.float32) * s - w[c]).max()
            if best is None or error < best[0]:
                best = (error, qc, s)
            if error == 0:
                break
        q[c], scales[c] = best[1].astype(np.int8), best[2]
    return np.moveaxis(q, 0, axis), scales


def snap(weights: np.ndarray, axis: int = -1) -> np.ndarray:
    """``weights`` rounded to the per-channel int8 grid (float32)."""
    q, scales = quantize(weights, axis)
    shape = [1] * q.ndim
    shape[axis] = -1
    return (q.astype(np.float32) * scales.reshape(shape)).astype(np.float32)


def _kernels(model) -> list:
    """The weights that the TFLite rewrite stores as int8: two or more axes, not tiny."""
    return [v for v in model.weights if len(v.shape) >= 2 and int(np.prod(v.shape)) >= MIN_ELEMENTS]


def snap_model(model) -> int:
    """Put every kernel of a Keras model on the int8 grid, per output channel (the last axis in
    Keras layouts); returns how many tensors were snapped."""
    kernels = _kernels(model)
    for variable in kernels:
        variable.assign(snap(np.asarray(variable), axis=-1))
    return len(kernels)


def model_on_grid(model) -> bool:
    """True when every kernel of a Keras model is on the int8 grid (the int8-weights TFLite
    model then computes with exactly the float32 weights)."""
    return all(on_grid(np.asarray(v), axis=-1) for v in _kernels(model))


def on_grid(weights: np.ndarray, axis: int = -1) -> bool:
    """True when ``weights`` are already on the per-channel int8 grid."""
    return bool(np.array_equal(snap(weights, axis), np.asarray(weights, np.float32)))


def int8_weights_tflite(content: bytes) -> bytes:
    """A float32 TFLite model with its weight tensors stored as per-channel int8, each read
    through a DEQUANTIZE op (weight-only quantization; the arithmetic stays float)."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    op_names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    dequantize = schema.OperatorCodeT()
    dequantize.builtinCode = schema.BuiltinOperator.DEQUANTIZE
    dequantize.deprecatedBuiltinCode = schema.BuiltinOperator.DEQUANTIZE
    dequantize.version = 4  # per-channel int8 input
    model.operatorCodes.append(dequantize)
    dequantize_index = len(model.operatorCodes) - 1
    empty_buffer = 0  # buffer 0 is the empty one by convention
    users = np.bincount([t.buffer for g in model.subgraphs for t in g.tensors], minlength=len(model.buffers))
    for subgraph in model.subgraphs:
        rewritten, new_ops = set(), []
        for op in subgraph.operators:
            code = model.operatorCodes[op.opcodeIndex]
            name = op_names.get(max(code.builtinCode, code.deprecatedBuiltinCode))
            for position in WEIGHT_INPUTS.get(name, ()):
                if position >= len(op.inputs) or op.inputs[position] < 0 or op.inputs[position] in rewritten:
                    continue
                index = op.inputs[position]
                tensor = subgraph.tensors[index]
                data = model.buffers[tensor.buffer].data
                if tensor.type != schema.TensorType.FLOAT32 or data is None:
                    continue
                weights = np.frombuffer(bytes(bytearray(data)), np.float32).reshape(tuple(tensor.shape))
                if weights.size < MIN_ELEMENTS:
                    continue
                q, scales = quantize(weights, axis=0)
                buffer = schema.BufferT()
                buffer.data = np.frombuffer(q.tobytes(), np.uint8)
                model.buffers.append(buffer)
                quantized = schema.TensorT()
                quantized.shape, quantized.type = np.array(tensor.shape, np.int32), schema.TensorType.INT8
                quantized.buffer, quantized.name = len(model.buffers) - 1, (tensor.name or b"") + b"_int8"
                params = schema.QuantizationParametersT()
                params.scale, params.zeroPoint = scales.astype(np.float32), np.zeros(len(scales), np.int64)
                params.quantizedDimension = 0
                quantized.quantization = params
                subgraph.tensors.append(quantized)
                if users[tensor.buffer] == 1:  # the float copy is now computed, not stored
                    model.buffers[tensor.buffer].data = None
                tensor.buffer = empty_buffer
                unpack = schema.OperatorT()
                unpack.opcodeIndex = dequantize_index
                unpack.inputs, unpack.outputs = np.array([len(subgraph.tensors) - 1], np.int32), np.array([index], np.int32)
                new_ops.append(unpack)
                rewritten.add(index)
        subgraph.operators = new_ops + list(subgraph.operators)  # weights are constants: dequantize first
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def snap_model_dir(directory) -> dict:
    """Snap a model directory's weights in place (its TFLite files go: export again); returns
    what was recorded in its metadata under ``int8_grid``."""
    import dataclasses

    from recognizer.model_dir import load_keras_model, resolve_model_path, save_model_dir

    directory = resolve_model_path(directory)
    spec, model = load_keras_model(directory)
    record = {"scheme": SCHEME, "tensors": snap_model(model)}
    metadata = {**spec.metadata, "int8_grid": record}
    metadata.pop("evaluation", None)  # figures of the weights before snapping no longer apply
    save_model_dir(directory, dataclasses.replace(spec, metadata=metadata), model)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="model directory (or name under saved_models/)")
    args = parser.parse_args(argv)
    try:
        record = snap_model_dir(args.model)
    except (OSError, ValueError) as error:
        print(f"error: {args.model}: {error}", file=sys.stderr)
        return 1
    print(f"{args.model}: {record['tensors']} weight tensors on the int8 grid; export again "
          f"(python -m pipelines.export {args.model})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
