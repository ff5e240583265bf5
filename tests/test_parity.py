"""pipelines.parity on a tiny exported ink model: every runtime is measured against Keras."""

import csv

from pipelines.export import export
from pipelines.parity import parity_report, print_report
from tests.conftest import SAMPLES
from tests.test_recognizer_ink import make_ink_model_dir


def test_float_tflite_matches_keras_and_the_report_prints(tmp_path, capsys):
    directory = make_ink_model_dir(tmp_path / "ink")
    export(directory, ("float32",), saved_model=False, log=lambda *_: None)
    manifest = tmp_path / "ink.csv"
    with manifest.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ink_filename", "transcript"])
        writer.writerow([SAMPLES / "hello_world.inkml", "Hello World"])
        writer.writerow([SAMPLES / "call_me.json", "call me"])
    report = parity_report(directory, str(manifest), limit=10)
    assert report["files"] == 2 and set(report["runtimes"]) == {"keras", "model.tflite"}
    tflite = report["runtimes"]["model.tflite"]
    assert tflite["same_text"] == 1.0 and tflite["max_abs_logit_diff"] < 1e-3
    assert report["runtimes"]["keras"]["max_abs_logit_diff"] == 0.0
    print_report(report)
    out = capsys.readouterr().out
    assert "parity on 2 files from" in out and "ms/file" in out and "model.tflite" in out
