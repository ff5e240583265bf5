"""pipelines.benchmark on tiny models: speech gives a real-time factor, ink milliseconds per line."""

import re

from pipelines.benchmark import default_files, main, stage_times, throughput, warmed_up
from tests.test_model_dir import make_model_dir
from tests.test_recognizer_ink import make_ink_model_dir


def test_speech_throughput_is_a_real_time_factor(tmp_path):
    directory, _ = make_model_dir(tmp_path / "speech")
    files = default_files("speech", 2)
    measured = throughput(warmed_up(str(directory), "keras", files), files)
    assert len(files) == 2 and all(f.endswith(".wav") for f in files)
    assert 0 < measured["real_time_factor"] < 10 and measured["seconds_per_file"] > 0


def test_stage_times_split_a_file_into_its_steps(tmp_path):
    directory, _ = make_model_dir(tmp_path / "speech")
    files = default_files("speech", 2)
    ms = stage_times(warmed_up(str(directory), "keras", files), files)
    assert list(ms) == ["read", "features", "network", "decode"]
    assert all(v > 0 for v in ms.values())  # Keras takes MFCC frames: the features are NumPy's


def test_ink_rows_show_ms_per_line_and_missing_exports(tmp_path, capsys):
    directory = make_ink_model_dir(tmp_path / "ink")
    assert main(["--model", str(directory), "--runners", "keras", "tflite", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "ink files" in out and "ms/line" in out
    keras_row = next(line for line in out.splitlines() if line.startswith("keras"))
    ms_per_line, cold, megabytes, *split = (float(v) for v in re.findall(r"[\d.]+", keras_row))
    assert ms_per_line > 0 and cold > 0 and megabytes > 0
    assert len(split) == 4 and all(v > 0 for v in split)  # ms in read, features, network, decode
    assert re.search(r"^tflite +\(not exported", out, re.M)


def test_a_bundled_lm_gets_a_row_of_its_own(tmp_path, capsys):
    from recognizer.lm import NGramLM

    directory = make_ink_model_dir(tmp_path / "ink")
    NGramLM.train(["a a", "a b a"], order=2).save_arpa(directory / "lm.arpa")
    assert main(["--model", str(directory), "--runners", "keras", "--repeats", "1"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert set(rows) == {"keras", "keras+LM"}
    ms_per_line, cold, megabytes, *split = (float(v) for v in re.findall(r"[\d.]+", rows["keras+LM"]))
    assert ms_per_line > 0 and cold > 0 and len(split) == 4


def test_no_files_is_an_error(tmp_path, capsys):
    directory = make_ink_model_dir(tmp_path / "ink")
    (tmp_path / "empty.csv").write_text("ink_filename,transcript\n")
    assert main(["--model", str(directory), "--csv", str(tmp_path / "empty.csv")]) == 1
    assert "no ink files" in capsys.readouterr().err
