"""The long-audio benchmark builds recordings of the asked length and measures them in a child process."""

import soundfile as sf

from pipelines.benchmark_long_audio import build_recording, main


def test_build_recording_has_the_asked_length(tmp_path):
    path = tmp_path / "long.wav"
    seconds, clips = build_recording(path, minutes=0.25)
    info = sf.info(str(path))
    assert seconds == 15 and info.duration == 15 and info.samplerate == 16000
    assert clips >= 3  # samples of 1-3 s between pauses


def test_benchmark_prints_speed_memory_and_runner(capsys):
    assert main(["--minutes", "0.2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("0.2 min (12 s") and "tflite runner" in line and "peak RSS" in line
    assert " 0 words" not in line
