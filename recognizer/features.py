"""MFCC features: the one feature definition used by training, serving and export.

librosa is the reference implementation.  All parameters live in :class:`FeatureConfig`,
which is stored in every model's ``config.json`` so training and inference cannot disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from recognizer.audio import SAMPLE_RATE


@dataclass(frozen=True)
class FeatureConfig:
    """Parameters of the MFCC front-end (librosa conventions)."""

    sample_rate: int = SAMPLE_RATE
    n_mfcc: int = 26
    n_mels: int = 40
    n_fft: int = 512
    win_length: int = 400  # 25 ms
    hop_length: int = 160  # 10 ms
    fmin: float = 20.0
    fmax: float = 7600.0
    top_db: float | None = 80.0
    deltas: bool = False
    cmvn: bool = True

    def __post_init__(self):
        if self.win_length > self.n_fft:
            raise ValueError("win_length must not exceed n_fft")
        if self.n_mfcc > self.n_mels:
            raise ValueError("n_mfcc must not exceed n_mels")

    @property
    def dim(self) -> int:
        """Size of one feature frame."""
        return self.n_mfcc * (3 if self.deltas else 1)

    @property
    def frame_seconds(self) -> float:
        return self.hop_length / self.sample_rate

    def num_frames(self, num_samples: int) -> int:
        """Frames librosa produces for ``num_samples`` (centered STFT)."""
        return 1 + num_samples // self.hop_length

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FeatureConfig":
        return cls(**data)


CMVN_EPS = 1e-5  # added to the standard deviation (also in recognizer.features_graph)


def cmvn(frames: np.ndarray, eps: float = CMVN_EPS) -> np.ndarray:
    """Per-utterance mean and variance normalisation over time."""
    mean = frames.mean(axis=0, keepdims=True)
    std = frames.std(axis=0, keepdims=True)
    return (frames - mean) / (std + eps)


def mfcc(audio: np.ndarray, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """MFCC frames ``(T, config.dim)`` float32 of 16 kHz mono ``audio``."""
    import warnings

    import librosa

    audio = np.asarray(audio, dtype=np.float32)
    with warnings.catch_warnings():  # clips shorter than n_fft are valid: zero padding covers them
        warnings.filterwarnings("ignore", message="n_fft=.*is too large")
        mel = librosa.feature.melspectrogram(
            y=audio, sr=config.sample_rate, n_fft=config.n_fft, win_length=config.win_length,
            hop_length=config.hop_length, n_mels=config.n_mels, fmin=config.fmin, fmax=config.fmax,
            center=True, pad_mode="constant", power=2.0)
    log_mel = librosa.power_to_db(mel, top_db=config.top_db)
    frames = librosa.feature.mfcc(S=log_mel, n_mfcc=config.n_mfcc)
    if config.deltas:
        width = min(9, frames.shape[1] if frames.shape[1] % 2 else frames.shape[1] - 1)
        if width >= 3:
            d1 = librosa.feature.delta(frames, width=width, order=1)
            d2 = librosa.feature.delta(frames, width=width, order=2)
        else:
            d1 = d2 = np.zeros_like(frames)
        frames = np.concatenate([frames, d1, d2], axis=0)
    frames = frames.T.astype(np.float32)
    if config.cmvn:
        frames = cmvn(frames)
    return frames.astype(np.float32)
