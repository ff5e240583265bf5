"""Audio loading: any file soundfile/ffmpeg can read, or an array, into 16 kHz mono float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


class AudioError(ValueError):
    """An input that cannot be read as audio (the message names the problem)."""


def resample(audio: np.ndarray, orig_sr: int, target_sr: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling (soxr, as librosa uses); a no-op when the rates agree."""
    audio = np.asarray(audio, dtype=np.float32)
    if orig_sr == target_sr or audio.size == 0:
        return audio
    import soxr

    return soxr.resample(audio, orig_sr, target_sr, quality="HQ").astype(np.float32)


def _read_file(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return audio, rate
    except (sf.LibsndfileError, RuntimeError, TypeError) as sf_error:
        try:  # formats libsndfile lacks (m4a, some mp3s): librosa's audioread/ffmpeg path
            import warnings

            import librosa

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                audio, rate = librosa.load(str(path), sr=None, mono=False)
        except Exception:
            raise AudioError(f"not a readable audio file ({sf_error})") from None
        audio = np.atleast_2d(audio).T
        return audio.astype(np.float32), int(rate)


def load_audio(source, sample_rate: int | None = None) -> np.ndarray:
    """Return ``source`` (a path, or an array at ``sample_rate``) as 16 kHz mono float32.

    Arrays may be (samples,) or (samples, channels); integer arrays are scaled to [-1, 1].
    NaN and infinite samples are replaced by zeros.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise AudioError("file not found")
        if path.is_dir():
            raise AudioError("is a directory, not an audio file")
        if path.stat().st_size == 0:
            raise AudioError("empty file")
        audio, rate = _read_file(path)
    else:
        audio = np.asarray(source)
        if sample_rate is None:
            raise AudioError("an array needs its sample_rate")
        rate = int(sample_rate)
        if np.issubdtype(audio.dtype, np.integer):
            audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max)
        if audio.ndim == 1:
            audio = audio[:, None]
        elif audio.ndim != 2:
            raise AudioError(f"expected a 1-D or 2-D array, got shape {audio.shape}")
    audio = np.asarray(audio, dtype=np.float32).mean(axis=1)
    audio = np.nan_to_num(audio, nan=0.0, posinf=0.0, neginf=0.0)
    if audio.size == 0:
        raise AudioError("no audio samples")
    return resample(audio, rate, SAMPLE_RATE)
