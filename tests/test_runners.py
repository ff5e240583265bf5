"""The TFLite path of the CLI starts without TensorFlow, Keras or librosa."""

import json
import subprocess
import sys

import pytest

from recognizer.model_dir import MODELS_DIR
from recognizer.runners import RUNNERS, load_runner, subsampling
from tests.conftest import ROOT, SAMPLES

BUNDLED = MODELS_DIR / "speech-en"

PROBE = """
import json, sys, runpy
sys.argv = ["recognizer.transcribe", *json.loads(sys.argv[1])]
try:
    runpy.run_module("recognizer.transcribe", run_name="__main__")
except SystemExit as exit:
    code = exit.code
heavy = sorted(m for m in ("tensorflow", "keras", "librosa") if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(*args):
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps([str(a) for a in args])],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    return result.stdout, json.loads(result.stderr.strip().splitlines()[-1])


@pytest.mark.skipif(not (BUNDLED / "model.tflite").exists(), reason="bundled model not exported")
def test_tflite_cli_path_imports_no_tensorflow():
    out, status = _probe(SAMPLES / "hello_slt.wav", SAMPLES / "lights_kal16.wav")
    assert status == {"code": 0, "heavy": []}
    assert len(out.splitlines()) == 2 and all(line.strip() for line in out.splitlines())
    out_tflite, status = _probe("--runner", "tflite", "--format", "json", SAMPLES / "hello_slt.wav")
    assert status["heavy"] == [] and json.loads(out_tflite)["text"] == out.splitlines()[0]


def test_unknown_runner_is_refused():
    from recognizer.model_dir import read_spec

    assert RUNNERS == ("auto", "keras", "saved_model", "tflite")
    with pytest.raises(ValueError, match="unknown runner"):
        load_runner(BUNDLED, read_spec(BUNDLED), "onnx")
    assert subsampling(read_spec(BUNDLED)) == 3
