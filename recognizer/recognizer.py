"""``Recognizer.load(name_or_path).transcribe(path_or_array)`` -> :class:`Transcription`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from recognizer.audio import SAMPLE_RATE
from recognizer.ctc import beam_decode, greedy_decode, phrase_decode, words_from_alignment
from recognizer.frontend import compute_features, load_input
from recognizer.ink_features import ink_features_and_index
from recognizer.lm import LMScorer, NGramLM
from recognizer.long_audio import LONG_AUDIO_SECONDS, file_duration, transcribe_long
from recognizer.model_dir import ModelSpec, read_spec, resolve_model_path
from recognizer.runners import Runner, load_runner, subsampling

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


def bundled_lm(directory: Path) -> Path | None:
    """The language model a model directory ships (``lm.arpa.gz`` or ``lm.arpa``), if any."""
    return next((p for p in (directory / "lm.arpa.gz", directory / "lm.arpa") if p.exists()), None)


@dataclass(frozen=True)
class DecoderOptions:
    """How logits become text: greedy when ``beam_width`` is 1, else prefix beam search with
    the optional language model (``lm_weight`` scales its natural-log score, ``word_bonus`` is
    added per word) and hot words (word -> log-score bonus).  With ``phrases`` the text is
    always the most probable of those phrases (closed-set decoding, e.g. voice commands)."""

    beam_width: int = 1
    lm_weight: float = 0.5
    word_bonus: float = 1.0
    oov_penalty: float = 0.0
    hot_words: tuple[tuple[str, float], ...] = ()
    phrases: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> "DecoderOptions":
        known = {k: v for k, v in data.items() if k in ("beam_width", "lm_weight", "word_bonus", "oov_penalty")}
        return cls(**known)


class Recognizer:
    """A loaded model (behind a :class:`~recognizer.runners.Runner`) plus its front-end and decoder."""

    def __init__(self, spec: ModelSpec, runner: Runner, lm: NGramLM | None = None,
                 decoder: DecoderOptions = DecoderOptions()):
        self.spec = spec
        self.runner = runner
        self.lm = lm
        self.decoder = decoder
        self.modality = spec.modality
        self.features = spec.feature_config
        self.vocab = spec.vocabulary
        self.subsampling = subsampling(spec)
        self.frame_seconds = self.features.frame_seconds * self.subsampling if self.modality == "speech" else 1.0
        self._phrase_labels: tuple = ((), [])  # the last phrase list and its label sequences

    @property
    def model(self):
        """The Keras model (Keras runner only)."""
        return self.runner.model

    @classmethod
    def load(cls, name_or_path: str | Path = DEFAULT_SPEECH_MODEL, lm: str | Path | None = "auto",
             runner: str = "auto") -> "Recognizer":
        """Load a bundled model by name (``speech-en``) or a model directory.

        ``runner``: ``keras``, ``saved_model``, ``tflite`` (LiteRT; no TensorFlow import) or
        ``auto`` (default): ``tflite`` when the directory has an up-to-date ``model.tflite``
        (see ``python -m pipelines.export``), else ``keras``.

        ``lm="auto"`` uses the directory's ``lm.arpa``/``lm.arpa.gz`` when it has one (with the
        decoder settings stored in its metadata), ``None`` decodes without one, and a path loads
        that ARPA file.
        """
        directory = resolve_model_path(name_or_path)
        spec = read_spec(directory)
        loaded = load_runner(directory, spec, runner)
        decoder = DecoderOptions.from_dict(spec.metadata.get("decoder", {}))
        if lm == "auto":
            lm = bundled_lm(directory)
        if lm is None:
            decoder = DecoderOptions()
        elif decoder.beam_width == 1:  # a language model acts only through beam search
            decoder = replace(decoder, beam_width=16)
        return cls(spec, loaded, NGramLM.load_arpa(lm) if lm is not None else None, decoder)

    def scorer(self, options: DecoderOptions) -> LMScorer | None:
        if self.lm is None and not options.hot_words:
            return None
        return LMScorer(self.lm, self.vocab.alphabet, options.lm_weight, options.word_bonus,
                        dict(options.hot_words), oov_penalty=options.oov_penalty)

    def logits(self, frames: np.ndarray) -> np.ndarray:
        """Per-frame logits ``(T', V)`` of one input's features ``(T, F)``."""
        return self.runner.logits(frames)

    def input_logits(self, loaded) -> np.ndarray:
        """Per-frame logits of one loaded input (16 kHz audio or Ink), through the runner's own
        front-end when it reads audio (a TFLite PCM model), else through the NumPy features."""
        if self.runner.takes_audio:
            return self.runner.audio_logits(loaded)
        return self.logits(compute_features(self.modality, loaded, self.features))

    def phrase_labels(self, phrases: tuple[str, ...]) -> list[np.ndarray]:
        """The label sequences of ``phrases`` (normalised); an empty phrase is an error."""
        cached = self._phrase_labels
        if cached[0] != phrases:
            labels = [self.vocab.encode(self.vocab.normalize(p)) for p in phrases]
            empty = [p for p, l in zip(phrases, labels) if l.size == 0]
            if empty:
                raise ValueError(f"phrase {empty[0]!r} has no character of the model's alphabet")
            self._phrase_labels = cached = (phrases, labels)
        return cached[1]

    def decode(self, logits: np.ndarray, options: DecoderOptions):
        """The alignment of ``logits`` under ``options``: phrases, beam search or greedy."""
        if options.phrases:
            labels = self.phrase_labels(options.phrases)
            return phrase_decode(logits, labels)[1]
        if options.beam_width > 1:
            return beam_decode(logits, options.beam_width, scorer=self.scorer(options))
        return greedy_decode(logits)

    def transcribe(self, source, sample_rate: int | None = None, beam_width: int | None = None,
                   hot_words: dict[str, float] | None = None, phrases=None) -> Transcription:
        """Transcribe a file path, an audio array (16 kHz unless ``sample_rate``) or an Ink.

        Audio longer than ``LONG_AUDIO_SECONDS`` goes through :mod:`recognizer.long_audio`:
        files are streamed and cut into chunks at quiet points.

        ``beam_width`` and ``hot_words`` override the model's decoder settings for this call;
        ``phrases`` (a list of allowed texts, e.g. commands) makes the text the most probable
        of them.
        """
        options = self.decoder
        if phrases:
            options = replace(options, phrases=tuple(phrases))
        if hot_words:
            options = replace(options, hot_words=tuple(hot_words.items()))
        if beam_width is not None:
            options = replace(options, beam_width=beam_width)
        elif options.hot_words and options.beam_width == 1:  # hot words need a beam to act on
            options = replace(options, beam_width=16)
        def long(*audio):  # chunked; a phrase list is for one short command, not a recording
            if phrases:
                raise ValueError(f"phrase lists are for short inputs; this one is over {LONG_AUDIO_SECONDS:g} s")
            return transcribe_long(self, *audio, beam_width=beam_width, hot_words=hot_words)

        if self.modality == "speech" and isinstance(source, (str, Path)) and \
                (file_duration(source) or 0) > LONG_AUDIO_SECONDS:  # streamed in chunks
            return long(source)
        loaded = load_input(self.modality, source, sample_rate)
        if self.modality == "speech" and loaded.size > LONG_AUDIO_SECONDS * SAMPLE_RATE:
            return long(loaded, SAMPLE_RATE)
        if self.modality == "ink":  # features and the point of each frame from one normalisation
            frames, index = ink_features_and_index(loaded, self.features)
            logits = self.logits(frames)
        else:
            logits = self.input_logits(loaded)
        alignment = self.decode(logits, options)
        duration = loaded.size / SAMPLE_RATE if self.modality == "speech" else None
        words = words_from_alignment(alignment, self.vocab.alphabet, self.frame_seconds, duration=duration)
        text = " ".join(w.word for w in words)
        if self.modality == "ink":
            step = self.subsampling
            spans = []
            for w in words:
                first = index[min(w.first_frame * step, len(index) - 1)]
                last = index[min((w.last_frame + 1) * step - 1, len(index) - 1)]
                spans.append(InkWordSpan(w.word, int(first[0]), int(first[1]), int(last[0]), int(last[1]),
                                         w.confidence))
            return Transcription(text, None, spans)
        timings = [WordTiming(w.word, w.start, w.end, w.confidence) for w in words]
        return Transcription(text, round(duration, 3), timings)
