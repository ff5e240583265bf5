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


UNKNOWN_LENGTH = 2**63 - 1  # libsndfile's frame count of a stream written without its length


def known_frames(info) -> bool:
    """Whether a soundfile info/SoundFile knows its length (a FLAC piped out of ffmpeg does not)."""
    return 0 <= info.frames < UNKNOWN_LENGTH


def _read_with_ffmpeg(path: Path) -> tuple[np.ndarray, int]:
    """Decode through audioread (Python's wave module, else ffmpeg): m4a, odd mp3s, length-less streams."""
    import audioread

    with audioread.audio_open(str(path)) as f:
        rate, channels, pcm = f.samplerate, f.channels, b"".join(f)
    return np.frombuffer(pcm, "<i2").reshape(-1, channels).astype(np.float32) / 32768.0, int(rate)


def _read_file(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            if known_frames(f):
                return f.read(dtype="float32", always_2d=True), f.samplerate
        problem = "libsndfile cannot tell its length"
    except (sf.LibsndfileError, RuntimeError, TypeError) as sf_error:
        problem = str(sf_error)
    try:
        return _read_with_ffmpeg(path)
    except Exception:
        raise AudioError(f"not a readable audio file ({problem})") from None


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
