import io
import json

import pytest

from pipelines import eval_suite
from pipelines.eval_suite import EVAL_SETS, MEASURES, build, main, metadata_evaluation, run, selected
from tests.conftest import SAMPLES
from tests.test_model_dir import make_model_dir


def test_every_measure_reads_a_set_the_suite_builds_and_the_keys_are_unique():
    built = {s.manifest.split("/")[0] for s in EVAL_SETS}
    for m in MEASURES:
        assert m.manifest.split("/")[0] in built, m
        if m.phrases:
            assert (eval_suite.TEXTS / m.phrases).exists()
    assert len({m.key for m in MEASURES}) == len(MEASURES)


@pytest.mark.parametrize("model", ["speech-en", "ink-en"])
def test_the_suite_measures_what_the_bundled_models_report(model):
    metadata = json.loads((SAMPLES.parent / "saved_models" / model / "metadata.json").read_text())
    reported = {k for k, v in metadata["evaluation"].items() if isinstance(v, dict) and "all" in v}
    assert reported <= {m.key for m in selected(metadata["modality"], None)}


def test_build_makes_only_the_missing_sets(tmp_path):
    calls = []
    (tmp_path / "speech").mkdir()
    (tmp_path / "speech" / "valid_heldout.csv").write_text("")
    modules = []
    built, failed = build("speech", tmp_path, builder=lambda module: modules.append(module) or calls.append,
                          log=io.StringIO())
    assert failed == []
    assert "speech/valid_heldout.csv" not in built and "eval/commands.csv" in built
    assert len(calls) == len(built) == sum(s.modality == "speech" for s in EVAL_SETS) - 1
    assert modules[built.index("real/asterisk.csv")] == "asterisk_prompts"
    assert {modules[i] for i, m in enumerate(built) if m != "real/asterisk.csv"} == {"synthesize_speech"}
    commands = calls[built.index("eval/commands.csv")]
    assert commands[commands.index("--out") + 1] == f"{tmp_path}/eval" and "festival:kal_diphone" in commands[3]


def test_run_scores_resumes_and_reports_a_missing_set_in_one_line(tmp_path):
    model = make_model_dir(tmp_path / "m")[0]
    (tmp_path / "data" / "speech").mkdir(parents=True)
    manifest = tmp_path / "data" / "speech" / "valid_heldout.csv"
    manifest.write_text("wav_filename,wav_filesize,transcript\n")  # read by the evaluate stand-in only
    calls = []

    def fake_evaluate(model_dir, manifests, beam_width, lm, noise_snr, progress, phrases):
        calls.append((manifests, lm, noise_snr))
        rows = [{"wer": 0.0}, {"wer": 0.5}]
        return {"overall": {"files": 2, "wer": 0.25, "cer": 0.123456}, "groups": {"g": {"files": 2, "wer": 0.25,
                "cer": 0.1}}, "rows": rows}

    out = tmp_path / "out"
    results, failed = run(str(model), tmp_path / "data", out, ["heldout", "heldout_noise15_lm", "commands_open"],
                          fake_evaluate, log=io.StringIO())
    assert failed == ["commands_open"] and set(results) == {"heldout", "heldout_noise15_lm"}
    assert calls == [([str(manifest)], None, None), ([str(manifest)], "auto", 15.0)]
    assert results["heldout"]["all"] == {"files": 2, "wer": 0.25, "cer": 0.1235} and results["heldout"]["exact"] == 1
    assert json.loads((out / "evaluation.json").read_text()) == results

    calls.clear()  # a second run keeps what the first measured
    run(str(model), tmp_path / "data", out, ["heldout"], fake_evaluate, log=io.StringIO())
    assert calls == []


def test_metadata_evaluation_counts_the_commands_read_exactly():
    results = {"commands_open": {"all": {"files": 4, "wer": 0.5, "cer": 0.2}, "groups": {}, "exact": 3},
               "commands_phrases": {"all": {"files": 4, "wer": 0.0, "cer": 0.0}, "groups": {}, "exact": 4}}
    evaluation = metadata_evaluation(results)
    assert evaluation["commands_exact"] == {"open": "3/4", "phrases": "4/4"}
    assert evaluation["commands_open"] == {"all": {"files": 4, "wer": 0.5, "cer": 0.2}, "groups": {}}


def test_cli_errors_are_one_line(tmp_path, capsys):
    model = make_model_dir(tmp_path / "m")[0]
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(model), "--out", str(tmp_path / "o"), "--only", "valid_heldout_fonts"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith("no speech measure named valid_heldout_fonts")
    with pytest.raises(SystemExit):
        main(["run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit) as exit_info:  # a --compare model that is not there: one line too
        main(["run", str(model), "--out", str(tmp_path / "o"), "--compare", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2 and "nowhere" in capsys.readouterr().err.strip().splitlines()[-1]
    # a missing set: one line naming it, the status non-zero
    assert main(["run", str(model), "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--only", "heldout"]) == 1
    assert "heldout: " in capsys.readouterr().err


def test_a_set_that_cannot_be_built_is_reported_and_the_others_are_built(tmp_path):
    log = io.StringIO()

    def builder(module):
        def main(argv):
            if module == "asterisk_prompts":
                raise SystemExit(2)  # as argparse's parser.error does, after its one line
            if "everyday_festival" in argv:
                raise OSError("text2wave: not found")
            return 0
        return main

    built, failed = build("speech", tmp_path, builder=builder, log=log)
    assert failed == ["eval/everyday_festival.csv", "real/asterisk.csv"] and "eval/commands.csv" in built
    assert "error: eval/everyday_festival.csv: text2wave: not found" in log.getvalue()
