"""Runtimes behind one interface: Keras, TensorFlow SavedModel, TFLite (LiteRT).

A runner turns one input into logits ``(T', V)``.  Runners whose model contains the MFCC
front-end (``takes_audio``: the SavedModel ``waveform`` signature, the speech TFLite model)
read 16 kHz PCM; the others read feature frames.  The TFLite runner imports only NumPy and
``ai_edge_litert``: no TensorFlow, Keras or librosa, so it starts in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from recognizer.model_dir import WEIGHTS_FILE, ModelLoadError, ModelSpec

RUNNERS = ("auto", "keras", "saved_model", "tflite")
TFLITE_FILE = "model.tflite"  # the recommended variant, the one the CLI runs
TFLITE_INFO = "tflite.json"  # what an app needs to decode, for every exported variant
SAVED_MODEL_DIR = "saved_model"


def subsampling(spec: ModelSpec) -> int:
    """Input frames per output frame (the Conv1D strides), from the config alone."""
    layers = spec.model.get("conv_layers", 1)
    return spec.model.get("conv_stride", 2) ** layers if layers else 1


def weights_digest(directory: Path) -> str:
    """sha256 of the Keras weights, stored by the export to recognise stale TFLite files."""
    digest = hashlib.sha256()
    with (directory / WEIGHTS_FILE).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Runner:
    """Logits of one input: :meth:`audio_logits` when ``takes_audio``, else :meth:`logits`."""

    name = "runner"
    takes_audio = False

    def logits(self, frames: np.ndarray) -> np.ndarray:
        """Logits ``(T', V)`` of feature frames ``(T, F)``."""
        raise NotImplementedError(f"the {self.name} runner reads audio, not feature frames")

    def audio_logits(self, audio: np.ndarray) -> np.ndarray:
        """Logits ``(T', V)`` of 16 kHz mono float32 ``audio``."""
        raise NotImplementedError(f"the {self.name} runner reads feature frames, not audio")


class KerasRunner(Runner):
    name = "keras"

    def __init__(self, directory: Path):
        from recognizer.model_dir import load_keras_model
        from recognizer.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        _, self.model = load_keras_model(directory)

    def logits(self, frames):
        return self.model.infer(frames[None].astype(np.float32), np.array([len(frames)], np.int32)).numpy()[0]


class SavedModelRunner(Runner):
    name = "saved_model"

    def __init__(self, directory: Path, spec: ModelSpec):
        from recognizer.quiet import import_tensorflow_quietly

        path = directory / SAVED_MODEL_DIR
        if not path.is_dir():
            raise ModelLoadError(f"{directory}: no {SAVED_MODEL_DIR}/ (run python -m pipelines.export {directory})")
        import_tensorflow_quietly()
        import tensorflow as tf

        self.tf = tf
        self.loaded = tf.saved_model.load(str(path))
        self.waveform = self.loaded.signatures.get("waveform") if spec.modality == "speech" else None
        self.takes_audio = self.waveform is not None
        self.features = self.loaded.signatures["serving_default"]

    def logits(self, frames):
        out = self.features(features=self.tf.constant(frames[None], self.tf.float32),
                            lengths=self.tf.constant([len(frames)], self.tf.int32))
        return out["logits"].numpy()[0]

    def audio_logits(self, audio):
        return self.waveform(waveform=self.tf.constant(audio[None], self.tf.float32))["logits"].numpy()[0]


class TFLiteRunner(Runner):
    """One LiteRT interpreter; the input is resized to each utterance's length."""

    name = "tflite"

    def __init__(self, directory: Path, file: str = TFLITE_FILE, num_threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        path = directory / file
        if not path.exists():
            raise ModelLoadError(f"{directory}: no {file} (run python -m pipelines.export {directory})")
        info_path = directory / TFLITE_INFO
        self.info = json.loads(info_path.read_text()) if info_path.exists() else {}
        from recognizer.quiet import native_stderr_silenced

        with native_stderr_silenced():  # LiteRT logs "Created TensorFlow Lite XNNPACK delegate" on stderr
            self.interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]["index"]
        self.takes_audio = self.input["name"].endswith("waveform") or len(self.input["shape"]) == 2
        self.shape = None

    def _run(self, x: np.ndarray) -> np.ndarray:
        interpreter = self.interpreter
        if self.shape != x.shape:
            from recognizer.quiet import native_stderr_silenced

            interpreter.resize_tensor_input(self.input["index"], list(x.shape), strict=False)
            with native_stderr_silenced():
                interpreter.allocate_tensors()
            self.shape = x.shape
        interpreter.reset_all_variables()  # fused LSTM states are variable tensors: start from zero
        interpreter.set_tensor(self.input["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(self.output)[0].copy()

    def logits(self, frames):
        return self._run(np.asarray(frames, np.float32)[None])

    def audio_logits(self, audio):
        return self._run(np.asarray(audio, np.float32)[None])


def tflite_is_current(directory: Path) -> bool:
    """Whether the directory has a TFLite model exported from its current weights."""
    info_path = directory / TFLITE_INFO
    if not (directory / TFLITE_FILE).exists() or not info_path.exists():
        return False
    try:
        recorded = json.loads(info_path.read_text()).get("weights_sha256")
    except json.JSONDecodeError:
        return False
    return recorded is None or not (directory / WEIGHTS_FILE).exists() or recorded == weights_digest(directory)


def load_runner(directory: Path, spec: ModelSpec, kind: str = "auto") -> Runner:
    """``auto``: TFLite when the directory has a current ``model.tflite``, else Keras."""
    if kind not in RUNNERS:
        raise ValueError(f"unknown runner {kind!r} (expected one of {', '.join(RUNNERS)})")
    if kind == "auto":
        kind = "tflite" if tflite_is_current(directory) else "keras"
    if kind == "tflite":
        return TFLiteRunner(directory)
    if kind == "saved_model":
        return SavedModelRunner(directory, spec)
    return KerasRunner(directory)
