"""``Recognizer.load(name_or_path).transcribe(path_or_array)`` -> :class:`Transcription`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from recognizer.audio import SAMPLE_RATE, load_audio
from recognizer.ctc import beam_decode, greedy_decode, words_from_alignment
from recognizer.features import mfcc
from recognizer.model_dir import ModelSpec, load_keras_model

DEFAULT_SPEECH_MODEL = "speech-en"


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Transcription:
    text: str
    duration: float
    words: list[WordTiming] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class Recognizer:
    """A loaded model plus its feature front-end and decoder."""

    def __init__(self, spec: ModelSpec, model):
        self.spec = spec
        self.model = model
        self.features = spec.feature_config
        self.vocab = spec.vocabulary
        self.frame_seconds = self.features.frame_seconds * model.config.subsampling

    @classmethod
    def load(cls, name_or_path: str | Path = DEFAULT_SPEECH_MODEL) -> "Recognizer":
        """Load a bundled model by name (``speech-en``) or a model directory."""
        spec, model = load_keras_model(name_or_path)
        return cls(spec, model)

    def logits(self, frames: np.ndarray) -> np.ndarray:
        """Per-frame logits ``(T', V)`` of one utterance's features ``(T, F)``."""
        x = {"features": frames[None].astype(np.float32), "lengths": np.array([len(frames)], np.int32)}
        return np.asarray(self.model(x, training=False))[0]

    def transcribe(self, source, sample_rate: int | None = None, beam_width: int = 1) -> Transcription:
        """Transcribe a file path or an array (give ``sample_rate`` for arrays)."""
        audio = load_audio(source, sample_rate if sample_rate is not None else
                           (SAMPLE_RATE if not isinstance(source, (str, Path)) else None))
        logits = self.logits(mfcc(audio, self.features))
        alignment = beam_decode(logits, beam_width) if beam_width > 1 else greedy_decode(logits)
        words = words_from_alignment(alignment, self.vocab.alphabet, self.frame_seconds)
        duration = round(audio.size / SAMPLE_RATE, 3)
        timings = [WordTiming(w.word, w.start, min(w.end, duration), w.confidence) for w in words]
        return Transcription(" ".join(w.word for w in words), duration, timings)
