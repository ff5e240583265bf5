"""Long recordings in bounded memory: stream the file, cut it at quiet points, merge the words.

The file is read in blocks with soundfile and resampled as a stream, so an hour of audio is
never in memory at once.  Chunks of about ``target`` seconds are cut at the quietest point
(smoothed energy) near the target length; each chunk is transcribed with ``overlap``
seconds of context on both sides, and a word is kept by the chunk whose core (the part
between its two cuts) holds the word's midpoint, so no word is doubled or lost at a cut.
Within a chunk, long pauses are left out and the stretches of speech between them are
transcribed one by one, as the model was trained on trimmed utterances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from recognizer.audio import SAMPLE_RATE, known_frames

LONG_AUDIO_SECONDS = 30.0  # longer inputs are transcribed in chunks
HOP = 160  # energy frames of 10 ms


@dataclass(frozen=True)
class ChunkPlan:
    """Chunk lengths in seconds; a chunk plus its context stays below ``LONG_AUDIO_SECONDS``."""

    target: float = 20.0  # preferred core length
    search: float = 5.0  # the cut is the quietest point within target +- search
    overlap: float = 1.0  # context transcribed on each side of a core
    smooth: float = 0.3  # energy smoothing window: a pause, not a stop consonant

    @property
    def longest(self) -> float:
        return self.target + self.search + 2 * self.overlap


def file_duration(path: str | Path) -> float | None:
    """Seconds of a file soundfile can read without decoding it, else None."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # not streamable by libsndfile: the caller loads it whole
        return None
    return info.frames / info.samplerate if info.samplerate and known_frames(info) else None


def stream_file(path: str | Path, block_seconds: float = 10.0) -> Iterator[np.ndarray]:
    """16 kHz mono float32 blocks of an audio file, resampled as one continuous stream."""
    import soundfile as sf
    import soxr

    with sf.SoundFile(str(path)) as f:
        rate = f.samplerate
        stream = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ") if rate != SAMPLE_RATE else None
        for block in f.blocks(blocksize=max(1, int(block_seconds * rate)), dtype="float32", always_2d=True):
            mono = np.nan_to_num(block.mean(axis=1), nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
            yield stream.resample_chunk(mono) if stream is not None else mono
        if stream is not None:
            yield stream.resample_chunk(np.zeros(0, np.float32), last=True)


def stream_array(audio: np.ndarray, block_seconds: float = 10.0) -> Iterator[np.ndarray]:
    block = int(block_seconds * SAMPLE_RATE)
    for start in range(0, len(audio), block):
        yield audio[start:start + block]


def frame_energy(audio: np.ndarray) -> np.ndarray:
    """Mean power of each whole ``HOP``-sample frame (a partial last frame is left out)."""
    n = len(audio) // HOP
    return (audio[: n * HOP].reshape(n, HOP).astype(np.float64) ** 2).mean(axis=1)


def quietest_point(audio: np.ndarray, low: int, high: int, smooth_frames: int) -> int:
    """The sample index in [low, high) at the centre of the quietest stretch (nearest the middle on ties)."""
    energy = frame_energy(audio)
    if smooth_frames > 1:
        energy = np.convolve(energy, np.ones(smooth_frames) / smooth_frames, mode="same")
    first, last = low // HOP, max(low // HOP + 1, min(high // HOP, len(energy)))
    window = energy[first:last]
    middle = (len(window) - 1) / 2
    penalty = 1e-12 * np.abs(np.arange(len(window)) - middle)  # ties (digital silence): cut mid-way
    return (first + int(np.argmin(window + penalty))) * HOP + HOP // 2


def speech_segments(audio: np.ndarray, min_pause: float = 0.5, pad: float = 0.2,
                    drop_db: float = 30.0) -> list[tuple[int, int]]:
    """(start, end) sample ranges of speech in a chunk: pauses of ``min_pause`` seconds or more
    (``drop_db`` below the loud frames) are left out, ``pad`` seconds kept around each stretch.
    The model was trained on trimmed utterances and reads long pauses poorly."""
    n = len(audio) // HOP
    if n == 0:
        return [(0, len(audio))] if len(audio) else []
    db = 10 * np.log10(frame_energy(audio) + 1e-12)
    loud = db > max(np.percentile(db, 95) - drop_db, -70.0)
    edges = np.flatnonzero(np.diff(np.r_[0, loud.astype(np.int8), 0]))
    runs = [[a, b] for a, b in zip(edges[::2], edges[1::2])]
    merged, gap, margin = [], int(min_pause * SAMPLE_RATE) // HOP, int(pad * SAMPLE_RATE) // HOP
    for a, b in runs:
        if merged and a - merged[-1][1] < gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(max(0, a - margin) * HOP, len(audio) if b + margin >= n else (b + margin) * HOP) for a, b in merged]


def plan_chunks(blocks, plan: ChunkPlan = ChunkPlan()) -> Iterator[tuple[int, int, int, np.ndarray]]:
    """``(offset, core_start, core_end, audio)`` per chunk; sample indices are absolute and the
    cores tile the input.  Only about one chunk of audio is held at a time."""
    sr = SAMPLE_RATE
    target, search, overlap = int(plan.target * sr), int(plan.search * sr), int(plan.overlap * sr)
    smooth = max(1, int(plan.smooth * sr) // HOP)
    buffer, offset, core_start, total = [], 0, 0, 0  # buffer holds samples from `offset`
    pending = np.zeros(0, np.float32)
    for block in blocks:
        buffer.append(np.asarray(block, np.float32))
        total += len(block)
        while total - core_start >= target + search + overlap:
            pending = np.concatenate([pending, *buffer]) if buffer else pending
            buffer = []
            low, high = core_start + target - search - offset, core_start + target + search - offset
            cut = offset + quietest_point(pending, low, high, smooth)
            end = min(total, cut + overlap)
            yield offset, core_start, cut, pending[: end - offset]
            keep_from = max(offset, cut - overlap)
            pending, offset, core_start = pending[keep_from - offset:], keep_from, cut
    pending = np.concatenate([pending, *buffer]) if buffer else pending
    if total > core_start or total == 0:
        yield offset, core_start, total, pending


def merge_words(chunk_words, duration: float) -> list:
    """Words of every chunk, in absolute seconds: each kept by the chunk whose core holds its
    midpoint, times made non-decreasing and clipped to ``duration``."""
    from recognizer.recognizer import WordTiming

    merged = []
    for offset_s, core_start_s, core_end_s, words in chunk_words:
        for w in words:
            start, end = offset_s + w.start, offset_s + w.end
            if not core_start_s <= (start + end) / 2 < core_end_s:
                continue
            if merged:
                start = max(start, merged[-1].end)
            start = min(start, duration)
            end = min(max(end, start), duration)
            merged.append(WordTiming(w.word, round(float(start), 3), round(float(end), 3), w.confidence))
    return merged


def transcribe_long(recognizer, source, sample_rate: int | None = None, plan: ChunkPlan = ChunkPlan(),
                    **options):
    """Transcribe a long audio file (streamed) or array (16 kHz) chunk by chunk with ``recognizer``."""
    from recognizer.audio import load_audio
    from recognizer.recognizer import Transcription

    if isinstance(source, (str, Path)):
        blocks = stream_file(source)
    else:
        blocks = stream_array(load_audio(source, sample_rate or SAMPLE_RATE))
    results, total = [], 0
    for offset, core_start, core_end, audio in plan_chunks(blocks, plan):
        total = max(total, offset + len(audio))
        if not len(audio):
            continue
        words = []
        for a, b in speech_segments(audio):
            found = recognizer.transcribe(audio[a:b], SAMPLE_RATE, **options).words
            words += [replace(w, start=w.start + float(a) / SAMPLE_RATE, end=w.end + float(a) / SAMPLE_RATE)
                      for w in found]
        results.append((offset / SAMPLE_RATE, core_start / SAMPLE_RATE, core_end / SAMPLE_RATE, words))
    if total == 0:
        from recognizer.audio import AudioError

        raise AudioError("no audio samples")
    duration = total / SAMPLE_RATE
    words = merge_words(results, duration)
    return Transcription(" ".join(w.word for w in words), round(duration, 3), words)
