"""``Recognizer.load(name_or_path).transcribe(path_or_array)`` -> :class:`Transcription`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from recognizer.audio import SAMPLE_RATE
from recognizer.ctc import beam_decode, greedy_decode, words_from_alignment
from recognizer.frontend import compute_features, load_input
from recognizer.ink_features import point_index
from recognizer.model_dir import ModelSpec, load_keras_model

DEFAULT_MODELS = {"speech": "speech-en", "ink": "ink-en"}
DEFAULT_SPEECH_MODEL = DEFAULT_MODELS["speech"]


@dataclass(frozen=True)
class WordTiming:
    """A recognised spoken word with its start/end in seconds."""

    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class InkWordSpan:
    """A recognised handwritten word with the (stroke, point) indices where it starts and ends."""

    word: str
    start_stroke: int
    start_point: int
    end_stroke: int
    end_point: int
    confidence: float


@dataclass(frozen=True)
class Transcription:
    text: str
    duration: float | None  # seconds of audio; None for ink
    words: list = field(default_factory=list)  # WordTiming (speech) or InkWordSpan (ink)

    def to_dict(self) -> dict:
        return asdict(self)


class Recognizer:
    """A loaded model plus its feature front-end and decoder."""

    def __init__(self, spec: ModelSpec, model):
        self.spec = spec
        self.model = model
        self.modality = spec.modality
        self.features = spec.feature_config
        self.vocab = spec.vocabulary
        subsampling = model.config.subsampling
        self.frame_seconds = self.features.frame_seconds * subsampling if self.modality == "speech" else 1.0

    @classmethod
    def load(cls, name_or_path: str | Path = DEFAULT_SPEECH_MODEL) -> "Recognizer":
        """Load a bundled model by name (``speech-en``) or a model directory."""
        spec, model = load_keras_model(name_or_path)
        return cls(spec, model)

    def logits(self, frames: np.ndarray) -> np.ndarray:
        """Per-frame logits ``(T', V)`` of one input's features ``(T, F)``."""
        x = {"features": frames[None].astype(np.float32), "lengths": np.array([len(frames)], np.int32)}
        return np.asarray(self.model(x, training=False))[0]

    def transcribe(self, source, sample_rate: int | None = None, beam_width: int = 1) -> Transcription:
        """Transcribe a file path, an audio array (16 kHz unless ``sample_rate``) or an Ink."""
        loaded = load_input(self.modality, source, sample_rate)
        logits = self.logits(compute_features(self.modality, loaded, self.features))
        alignment = beam_decode(logits, beam_width) if beam_width > 1 else greedy_decode(logits)
        words = words_from_alignment(alignment, self.vocab.alphabet, self.frame_seconds)
        text = " ".join(w.word for w in words)
        if self.modality == "ink":
            index = point_index(loaded, self.features)
            step = self.model.config.subsampling
            spans = []
            for w in words:
                first = index[min(w.first_frame * step, len(index) - 1)]
                last = index[min((w.last_frame + 1) * step - 1, len(index) - 1)]
                spans.append(InkWordSpan(w.word, int(first[0]), int(first[1]), int(last[0]), int(last[1]),
                                         w.confidence))
            return Transcription(text, None, spans)
        duration = round(loaded.size / SAMPLE_RATE, 3)
        timings = [WordTiming(w.word, w.start, min(w.end, duration), w.confidence) for w in words]
        return Transcription(text, duration, timings)
