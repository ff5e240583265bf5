import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from recognizer.audio import SAMPLE_RATE, AudioError, load_audio
from recognizer.long_audio import file_duration


def test_path_equals_array(sample_rows):
    path = sample_rows[0][0]
    data, rate = sf.read(path, dtype="float32")
    assert np.array_equal(load_audio(path), load_audio(data, rate))


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "PCM_U8"])
def test_bit_depths(tmp_path, tone, subtype):
    path = tmp_path / f"tone-{subtype}.wav"
    sf.write(path, tone, SAMPLE_RATE, subtype=subtype)
    assert np.allclose(load_audio(path), tone, atol=1e-2)


@pytest.mark.parametrize("fmt,ext", [("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_compressed_formats(tmp_path, tone, fmt, ext):
    path = tmp_path / f"tone.{ext}"
    sf.write(path, tone, SAMPLE_RATE, format=fmt)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and abs(audio.size - tone.size) < 0.1 * SAMPLE_RATE


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="needs ffmpeg")
@pytest.mark.parametrize("args, ext", [(["-f", "flac", "-"], "flac"), (["-c:a", "aac"], "m4a")])
def test_files_libsndfile_cannot_read_go_through_ffmpeg(tmp_path, tone, args, ext):
    """m4a, and a FLAC piped out of ffmpeg, which has no length in its header."""
    wav, path = tmp_path / "tone.wav", tmp_path / f"tone.{ext}"
    sf.write(wav, tone, SAMPLE_RATE)
    command = ["ffmpeg", "-loglevel", "error", "-i", str(wav), *args]
    if args[-1] == "-":
        path.write_bytes(subprocess.run(command, capture_output=True, check=True).stdout)
    else:
        subprocess.run([*command, str(path)], check=True)
    assert file_duration(path) is None  # not streamed: loaded whole
    audio = load_audio(path)
    assert audio.dtype == np.float32 and abs(audio.size - tone.size) < 0.1 * SAMPLE_RATE
    if ext == "flac":  # lossless
        assert np.allclose(audio, tone, atol=1e-4)


def test_stereo_and_rate_conversion(tmp_path, tone):
    stereo = np.stack([tone, tone], axis=1)
    resampled = np.interp(np.arange(0, tone.size, 16000 / 44100), np.arange(tone.size), tone)
    path = tmp_path / "stereo44k.wav"
    sf.write(path, np.stack([resampled, resampled], axis=1), 44100)
    audio = load_audio(path)
    assert audio.ndim == 1 and abs(audio.size - tone.size) <= 2
    assert np.array_equal(load_audio(stereo, SAMPLE_RATE), tone)


def test_integer_arrays_are_scaled(tone):
    ints = (tone * 32767).astype(np.int16)
    assert np.allclose(load_audio(ints, SAMPLE_RATE), tone, atol=1e-4)


def test_nan_and_inf_become_zero():
    audio = load_audio(np.array([0.1, np.nan, np.inf, -np.inf], dtype=np.float32), SAMPLE_RATE)
    assert np.array_equal(audio, np.array([0.1, 0.0, 0.0, 0.0], dtype=np.float32))


@pytest.mark.parametrize("content,message", [(None, "file not found"), (b"", "empty file"),
                                             (b"this is not audio at all" * 10, "not a readable audio file")])
def test_bad_files_raise_audio_error(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioError, match=message):
        load_audio(path)


def test_directory_and_array_without_rate(tmp_path):
    with pytest.raises(AudioError, match="directory"):
        load_audio(tmp_path)
    with pytest.raises(AudioError, match="sample_rate"):
        load_audio(np.zeros(10))
