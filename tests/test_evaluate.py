import csv

import numpy as np

from pipelines.evaluate import evaluate, markdown_table, noisy, write_report
from tests.conftest import SAMPLES
from tests.test_model_dir import make_model_dir


def test_noisy_is_seeded_and_at_the_asked_snr():
    path = str(SAMPLES / "lights_kal16.wav")
    from recognizer.audio import load_audio

    clean = load_audio(path)
    a, b = noisy(path, 15, seed=0), noisy(path, 15, seed=0)
    assert np.array_equal(a, b)
    snr = 10 * np.log10(np.mean(clean ** 2) / np.mean((a - clean) ** 2))
    assert abs(snr - 15) < 0.5


def test_evaluate_reports_per_group(tmp_path):
    model = make_model_dir(tmp_path / "m")[0]
    result = evaluate(str(model), [str(SAMPLES / "transcripts.csv")], lm=None, noise_snr=20, progress=None)
    assert result["overall"]["files"] == 4 and set(result["groups"]) == {
        "flite:slt", "flite:kal16", "espeak:en-us+m3", "espeak:en-gb+f2"}
    assert all(0 <= r["wer"] for r in result["rows"])
    write_report(result, tmp_path / "report")
    rows = list(csv.DictReader((tmp_path / "report" / "per_group.csv").open()))
    assert rows[-1]["group"] == "all" and rows[-1]["files"] == "4"
    assert markdown_table(result).splitlines()[0] == "| group | files | WER | CER |"
