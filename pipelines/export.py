"""Export a model directory for serving and on-device use.

``python -m pipelines.export MODEL_DIR [--quantize float32 float16 int8_weights dynamic int8] [--report [CSV]]``

Writes into MODEL_DIR:

* ``saved_model/`` - signatures ``serving_default`` (``features`` (B, T, F) + ``lengths`` (B,) ->
  ``logits``, ``output_lengths``) and, for speech, ``waveform`` (raw 16 kHz float PCM (1, N) ->
  ``logits``, ``output_lengths``).
* ``model.tflite`` - the recommended variant, the one the CLI runs: by default int8 weights
  with float arithmetic (see :mod:`pipelines.int8_weights`), ``--recommended dynamic`` for the
  faster dynamic-range kernels (int8 weights and int8 activations computed at run time);
  the others as ``model.<variant>.tflite``: ``float32``, ``float16``, ``int8_weights``,
  ``dynamic``, ``int8`` (full integer).
  Speech models take PCM (the MFCC front-end is inside), ink models take feature frames.
  Builtin ops only (conversion fails rather than fall back to Flex ops).
* ``tflite.json`` - what an app needs to decode (alphabet, blank, frame rate, feature
  parameters, input/output tensors) and a record of each variant; also embedded in every
  ``.tflite`` as metadata ``recognizer``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from recognizer.features_graph import supports_graph
from recognizer.model_dir import MODELS_DIR, resolve_model_path
from recognizer.quiet import native_stderr_silenced
from recognizer.runners import SAVED_MODEL_DIR, TFLITE_FILE, TFLITE_INFO, subsampling, weights_digest
from recognizer.vocab import BLANK_INDEX

VARIANTS = ("float32", "float16", "int8_weights", "dynamic", "int8")
RECOMMENDED = "int8_weights"
METADATA_NAME = "recognizer"
# int8: ops kept in float (the MFCC front-end's dynamic range does not fit 8 bits, and these are
# cheap); what carries the weights - CONV_2D, FULLY_CONNECTED, LSTM - is quantized.
INT8_FLOAT_OPS = ["MUL", "ADD", "SUB", "DIV", "SUM", "LOG", "MAXIMUM", "REDUCE_MAX", "MEAN", "SQUARED_DIFFERENCE",
                  "SQRT", "RSQRT", "SQUARE", "PAD", "GATHER", "RESHAPE", "STRIDED_SLICE", "CONCATENATION",
                  "REVERSE_V2", "EXPAND_DIMS", "PACK"]
FUSED_TOLERANCE = 1e-3  # max logit difference for the fused-LSTM graph to replace the WHILE one
WHILE_MARGIN = 0.9  # WHILE loops replace fused ops only when they take under 90 % of the time


def prefer_fused(seconds: dict) -> bool:
    """Fused LSTM ops (True) or WHILE loops (False), from the probe times of the graphs whose
    logits matched (``{fused: seconds}``): fused unless WHILE is clearly faster."""
    if True not in seconds or False not in seconds:
        return True in seconds
    return not seconds[False] < WHILE_MARGIN * seconds[True]


def variant_file(variant: str, recommended: str = RECOMMENDED) -> str:
    return TFLITE_FILE if variant == recommended else f"model.{variant}.tflite"


def tflite_ops(content: bytes) -> list[str]:
    """Sorted op names of a TFLite model, read through the LiteRT interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    return sorted({op["op_name"] for op in Interpreter(model_content=content)._get_ops_details()})


def check_builtin_only(ops: list[str]) -> None:
    """Refuse Flex (Select TF ops) and custom ops."""
    bad = [op for op in ops if op.startswith("Flex") or op in ("CUSTOM", "DELEGATE")]
    if bad:
        raise RuntimeError(f"non-builtin TFLite ops {bad}")


def _unclip_lstm_cells(content: bytes) -> bytes:
    """The converter gives fused Keras LSTMs a cell clip of 10, Keras has none: remove it."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    changed = False
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            if isinstance(op.builtinOptions, schema.UnidirectionalSequenceLSTMOptionsT) and op.builtinOptions.cellClip:
                op.builtinOptions.cellClip = 0.0
                changed = True
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model)) if changed else content


def embed_metadata(content: bytes, info: dict) -> bytes:
    """Add ``info`` as JSON TFLite metadata named ``recognizer``."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(content))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(json.dumps(info).encode(), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if m.name != METADATA_NAME] + [entry]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


class Exporter:
    """Graphs, conversion and checks for one model directory."""

    def __init__(self, directory: str | Path):
        import tensorflow as tf

        from pipelines.export_graphs import FrozenWeights
        from recognizer.model_dir import load_keras_model

        self.tf = tf
        self.directory = resolve_model_path(directory)
        self.spec, self.model = load_keras_model(self.directory)
        self.weights = FrozenWeights(self.model)
        self.features = self.spec.feature_config
        self.takes_audio = self.spec.modality == "speech" and supports_graph(self.features)
        self._float32 = {}  # fused -> float32 TFLite bytes: the LSTM probe, float32 and int8_weights share one

    # --- graphs -------------------------------------------------------------------------
    def tflite_function(self, fused: bool):
        """Concrete function of the on-device graph: PCM (1, N) or features (1, T, F) -> logits."""
        tf = self.tf
        from pipelines.export_graphs import batch1_logits, waveform_logits

        if self.takes_audio:
            @tf.function(input_signature=[tf.TensorSpec([1, None], tf.float32, name="waveform")])
            def run(waveform):
                return {"logits": waveform_logits(self.weights, self.features, waveform, fused)}
        else:
            @tf.function(input_signature=[tf.TensorSpec([1, None, self.features.dim], tf.float32, name="features")])
            def run(features):
                return {"logits": batch1_logits(self.weights, features, fused)}
        return run.get_concrete_function()

    def save_saved_model(self) -> Path:
        tf = self.tf
        from pipelines.export_graphs import features_logits
        from recognizer.features_graph import graph_mfcc

        model, dim = self.model, self.features.dim
        module = tf.Module()
        module.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, None, dim], tf.float32, name="features"),
                                      tf.TensorSpec([None], tf.int32, name="lengths")])
        def serving(features, lengths):
            return features_logits(model, features, lengths)

        signatures = {"serving_default": serving.get_concrete_function()}
        if self.takes_audio:
            @tf.function(input_signature=[tf.TensorSpec([1, None], tf.float32, name="waveform")])
            def waveform(waveform):
                frames = graph_mfcc(waveform[0], self.features)[None]
                return features_logits(model, frames, tf.shape(frames)[1:2])

            signatures["waveform"] = waveform.get_concrete_function()
        target = self.directory / SAVED_MODEL_DIR
        shutil.rmtree(target, ignore_errors=True)
        tf.saved_model.save(module, str(target), signatures=signatures)
        return target

    # --- conversion ---------------------------------------------------------------------
    def convert(self, variant: str, fused: bool, representative=None) -> bytes:
        tf = self.tf
        if variant == "float32" and fused in self._float32:
            return self._float32[fused]
        if variant == "int8_weights":
            from pipelines.int8_weights import int8_weights_tflite

            return int8_weights_tflite(self.convert("float32", fused))
        converter = tf.lite.TFLiteConverter.from_concrete_functions([self.tflite_function(fused)], tf.Module())
        ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # never SELECT_TF_OPS: fail instead of using Flex
        if variant == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif variant == "dynamic":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        elif variant == "int8":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = lambda: ([x[None].astype(np.float32)] for x in representative)
            ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8, tf.lite.OpsSet.TFLITE_BUILTINS]  # float where no int8 kernel
        converter.target_spec.supported_ops = ops
        with native_stderr_silenced():  # the MLIR quantizer prints its settings ("fully_quantize: ..."); errors still raise
            if variant == "int8":  # selective quantization through the quantization debugger
                # The debugger runs TensorFlow's own tf.lite.Interpreter, which warns that it is deprecated;
                # the warning is TensorFlow's business, not the user's (everything else runs on LiteRT).
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter is deprecated")
                    debugger = tf.lite.experimental.QuantizationDebugger(
                        converter=converter,
                        debug_dataset=lambda: ([x[None].astype(np.float32)] for x in representative[:1]),
                        debug_options=tf.lite.experimental.QuantizationDebugOptions(denylisted_ops=INT8_FLOAT_OPS))
                    content = debugger.get_nondebug_quantized_model()
            else:
                content = converter.convert()
        content = _unclip_lstm_cells(content)
        check_builtin_only(tflite_ops(content))
        if variant == "float32":
            self._float32[fused] = content
        return content

    def probe_input(self, seconds: float = 3.0) -> np.ndarray:
        """A fixed input for parity and latency checks: a sample wav or seeded noise."""
        rng = np.random.default_rng(0)
        if self.takes_audio:
            sample = MODELS_DIR.parent / "samples" / "hello_slt.wav"
            if sample.exists():
                from recognizer.audio import load_audio

                return load_audio(sample)
            return (0.1 * rng.normal(size=int(seconds * 16000))).astype(np.float32)
        return rng.normal(size=(int(seconds * 100), self.features.dim)).astype(np.float32)

    def reference_logits(self, x: np.ndarray) -> np.ndarray:
        from recognizer.frontend import compute_features

        frames = compute_features("speech", x, self.features) if self.takes_audio else x
        return self.model.infer(frames[None].astype(np.float32), np.array([len(frames)], np.int32)).numpy()[0]

    def choose_lstm(self, mode: str = "auto", log=print) -> tuple[bool, dict]:
        """Fused LSTM ops or WHILE loops: ``auto`` keeps the fused graph when its logits match the
        Keras model, unless the WHILE graph is clearly faster (``WHILE_MARGIN``: a near tie on a
        busy machine is noise, and fused ops are what mobile runtimes accelerate)."""
        if mode != "auto":
            return mode == "fused", {"mode": mode}
        x = self.probe_input()
        reference = self.reference_logits(x)
        record = {"mode": "auto", "probe_seconds": round(len(x) / 16000 if self.takes_audio else len(x) / 100, 2)}
        timing = {}
        for fused in (True, False):
            name = "fused" if fused else "while"
            try:
                content = self.convert("float32", fused)
            except Exception as error:  # conversion refused: keep the other
                log(f"lstm {name}: conversion failed ({str(error).splitlines()[0]})")
                continue
            logits, seconds = run_tflite(content, x, repeats=5)
            diff = float(np.abs(logits - reference).max()) if logits.shape == reference.shape else float("inf")
            record[name] = {"ms": round(seconds * 1000, 2), "max_abs_diff": diff}
            if diff <= FUSED_TOLERANCE:
                timing[fused] = seconds
            log(f"lstm {name}: {seconds * 1000:.1f} ms for the probe input, max |logit diff| {diff:.2e}")
        if not timing:
            raise RuntimeError("no TFLite graph matches the Keras model")
        fused = prefer_fused(timing)
        record["chosen"] = "fused" if fused else "while"
        return fused, record

    # --- metadata -----------------------------------------------------------------------
    def app_info(self) -> dict:
        """Everything an app needs to turn the model's output into text."""
        vocab, sub = self.spec.vocabulary, subsampling(self.spec)
        info = {"format": "recognizer-tflite", "format_version": 1, "modality": self.spec.modality,
                "alphabet": vocab.alphabet, "labels": ["<blank>"] + list(vocab.alphabet),
                "blank_index": BLANK_INDEX, "subsampling": sub, "features": self.features.to_dict(),
                "reset_variables_before_invoke": True,
                "output": {"name": "logits", "shape": [1, -1, vocab.size], "dtype": "float32",
                           "meaning": "unnormalised scores per output frame; argmax, merge repeats, drop blank"}}
        if self.takes_audio:
            info["input"] = {"name": "waveform", "shape": [1, -1], "dtype": "float32",
                             "meaning": f"mono PCM in [-1, 1] at {self.features.sample_rate} Hz (resize to the clip length)"}
            info["sample_rate"] = self.features.sample_rate
            info["frame_seconds"] = self.features.frame_seconds
            info["output_frame_seconds"] = self.features.frame_seconds * sub
            info["output_frames"] = f"ceil((1 + samples // {self.features.hop_length}) / {sub})"
        else:
            info["input"] = {"name": "features", "shape": [1, -1, self.features.dim], "dtype": "float32",
                             "meaning": "feature frames of recognizer.frontend.compute_features (resize to the length)"}
        return info


def run_tflite(content: bytes, x: np.ndarray, repeats: int = 1, num_threads: int | None = None):
    """(logits (T', V), best seconds of ``repeats`` invokes) of one input, batch 1."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=content, num_threads=num_threads)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [1, *x.shape], strict=False)
    interpreter.allocate_tensors()
    best = float("inf")
    for _ in range(max(1, repeats)):
        interpreter.reset_all_variables()
        interpreter.set_tensor(index, x[None].astype(np.float32))
        started = time.perf_counter()
        interpreter.invoke()
        best = min(best, time.perf_counter() - started)
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0].copy(), best


def export(directory, variants=VARIANTS, representative: str | None = None, lstm: str = "auto",
           saved_model: bool = True, recommended: str | None = None, log=print) -> dict:
    """Write the SavedModel, the TFLite variants and ``tflite.json``; returns the JSON.

    ``recommended`` (the variant written as ``model.tflite``) defaults to the model's own choice,
    ``export.tflite`` in its ``metadata.json`` (``train.tflite_variant``), else int8 weights."""
    from pipelines.int8_weights import model_on_grid
    from pipelines.representative import representative_inputs

    exporter = Exporter(directory)
    out = exporter.directory
    recommended = recommended or exporter.spec.metadata.get("export", {}).get("tflite", RECOMMENDED)
    if recommended not in variants:
        recommended = variants[0]
    if not exporter.takes_audio and exporter.spec.modality == "speech":
        log("features with deltas cannot be computed in the graph: the TFLite model reads MFCC frames")
    if saved_model:
        log(f"wrote {exporter.save_saved_model()}")
    fused, lstm_record = exporter.choose_lstm(lstm, log)
    info = exporter.app_info()
    info.update(recommended=TFLITE_FILE, lstm=lstm_record, weights_sha256=weights_digest(out),
                int8_grid=model_on_grid(exporter.model), variants={})
    for old in out.glob("model*.tflite"):
        old.unlink()
    samples = None
    probe = exporter.probe_input()
    reference = exporter.reference_logits(probe)
    for variant in variants:
        if variant == "int8" and samples is None:
            samples, source = representative_inputs(exporter.spec, out, representative)
            log(f"int8 representative data: {len(samples)} inputs from {source}")
        content = embed_metadata(exporter.convert(variant, fused, samples), exporter.app_info())
        name = variant_file(variant, recommended)
        (out / name).write_bytes(content)
        logits, _ = run_tflite(content, probe)
        same = bool(np.array_equal(logits.argmax(-1), reference.argmax(-1)))
        info["variants"][name] = {"quantization": variant, "fused_lstm": fused, "bytes": len(content),
                                  "ops": tflite_ops(content), "probe_max_abs_diff": float(np.abs(logits - reference).max()),
                                  "probe_same_argmax": same}
        log(f"wrote {out / name} ({len(content) / 1e6:.2f} MB, {variant}, probe max |diff| "
            f"{info['variants'][name]['probe_max_abs_diff']:.3g})")
    (out / TFLITE_INFO).write_text(json.dumps(info, indent=2) + "\n")
    log(f"wrote {out / TFLITE_INFO}")
    return info


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model directory or bundled model name")
    parser.add_argument("--quantize", nargs="+", choices=VARIANTS, default=list(VARIANTS),
                        help=f"TFLite variants to write (default: all); {RECOMMENDED} becomes {TFLITE_FILE}")
    parser.add_argument("--recommended", choices=VARIANTS,
                        help=f"the variant written as {TFLITE_FILE}, the one the CLI runs (default: the "
                             f"model's metadata.json export.tflite, else {RECOMMENDED})")
    parser.add_argument("--representative", help="CSV manifest for int8 calibration (default: the model's "
                                                 "training manifests, else samples/, else synthetic input)")
    parser.add_argument("--lstm", choices=("auto", "fused", "while"), default="auto",
                        help="fused LSTM ops or WHILE loops (auto: the faster one whose logits match)")
    parser.add_argument("--no-saved-model", action="store_true", help="skip saved_model/")
    parser.add_argument("--report", nargs="?", const="", metavar="CSV",
                        help="after exporting, compare all runtimes on CSV (default: samples/transcripts.csv)")
    parser.add_argument("--limit", type=int, default=100, help="files of the report CSV to use")
    return parser


def main(argv=None) -> int:
    from recognizer.quiet import import_tensorflow_quietly

    args = build_parser().parse_args(argv)
    import_tensorflow_quietly()
    info = export(args.model, tuple(args.quantize), args.representative, args.lstm,
                  not args.no_saved_model, args.recommended)
    if args.report is not None:
        from pipelines.parity import parity_report, print_report

        print_report(parity_report(args.model, args.report or None, args.limit), info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
