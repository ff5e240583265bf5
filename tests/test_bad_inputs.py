"""The bad-input matrix: every odd or broken input, one case each.

Audio and ink files are generated in one folder and transcribed as ONE mixed batch through
the library (``transcribe_files``, tiny models, loaded once); each case then checks its own
outcome: transcribed (odd but valid input) or one ``error: FILE: problem`` line.  Broken
models are checked through ``Recognizer.load``, and one CLI subprocess runs a mixed batch.
"""

import io
import json
import subprocess
import sys
import wave
import zipfile

import numpy as np
import pytest
import soundfile as sf

from recognizer.model_dir import ModelLoadError, read_spec, save_keras_file
from recognizer.recognizer import Recognizer
from recognizer.transcribe import BatchOptions, transcribe_files
from tests.conftest import ROOT, SAMPLES
from tests.test_model_dir import make_model_dir
from tests.test_recognizer_ink import make_ink_model_dir

RATE = 16000
INKML = '<ink xmlns="http://www.w3.org/2003/InkML">{}</ink>'


def speech(seconds=1.0, rate=RATE):
    """A voiced-ish test signal: harmonics with a syllable-rate envelope."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    return (0.3 * envelope * (np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 720 * t))).astype(np.float32)


def wav(subtype="PCM_16", rate=RATE, channels=1, seconds=1.0, data=None):
    def make(path):
        audio = speech(seconds, rate) if data is None else np.asarray(data, np.float32)
        if channels > 1:
            audio = np.stack([audio * (0.5 + 0.1 * c) for c in range(channels)], axis=1)
        sf.write(path, audio, rate, subtype=subtype, format="WAV")
    return make


def raw(content: bytes):
    return lambda path: path.write_bytes(content)


def text(content: str):
    return lambda path: path.write_text(content)


def zero_samples(path):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)


def truncated(keep_bytes):
    def make(path):
        buffer = io.BytesIO()
        sf.write(buffer, speech(1.0), RATE, subtype="PCM_16", format="WAV")
        path.write_bytes(buffer.getvalue()[:keep_bytes])
    return make


def with_nan(path):
    audio = speech(1.0)
    audio[100:200], audio[300], audio[400] = np.nan, np.inf, -np.inf
    sf.write(path, audio, RATE, subtype="FLOAT")


def clipped(path):
    sf.write(path, np.clip(speech(1.0) * 20, -1.5, 1.5), RATE, subtype="FLOAT")  # beyond full scale


def make_dir(path):
    path.mkdir()


def ink_json(strokes):
    return text(json.dumps({"strokes": strokes}))


HELLO = SAMPLES / "hello_world.inkml"
BOMB = """<?xml version="1.0"?>
<!DOCTYPE ink [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>
<ink xmlns="http://www.w3.org/2003/InkML"><annotation type="truth">&e;&e;&e;&e;</annotation>
<trace>1 2, 3 4, 5 6</trace></ink>"""
SECRET = "TOP-SECRET-CONTENT"


def external_entity(path):
    secret = path.with_name("secret.txt")
    secret.write_text(SECRET)
    path.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE ink [<!ENTITY s SYSTEM "file://{secret}"><!ENTITY n SYSTEM "http://127.0.0.1:9/x">]>
<ink xmlns="http://www.w3.org/2003/InkML"><annotation type="truth">&s;&n;</annotation>
<trace>1 2, 3 4, 5 6</trace></ink>""")


def external_dtd(path):
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE ink SYSTEM "http://127.0.0.1:9/ink.dtd">\n'
                    + INKML.format("<trace>1 2, 3 4, 5 6</trace>"))


OK = None  # transcribed, not refused
# (file name, how to make it, None if it must be transcribed else a piece of the one-line error)
FILE_CASES = [
    ("missing.wav", None, "file not found"),
    ("folder.wav", make_dir, "is a directory"),
    ("empty.wav", raw(b""), "empty file"),
    ("zero_samples.wav", zero_samples, "no audio samples"),
    ("junk.wav", raw(b"this is not audio, only text pretending to be a wav\n" * 40), "not a readable audio file"),
    ("truncated_header.wav", truncated(30), "not a readable audio file"),
    ("truncated_data.wav", truncated(8000), OK),  # header promises more than is there
    ("pcm_u8.wav", wav("PCM_U8"), OK),
    ("pcm_16.wav", wav("PCM_16"), OK),
    ("pcm_24.wav", wav("PCM_24"), OK),
    ("pcm_32.wav", wav("PCM_32"), OK),
    ("float32.wav", wav("FLOAT"), OK),
    ("float64.wav", wav("DOUBLE"), OK),
    ("stereo.wav", wav(channels=2), OK),
    ("six_channels.wav", wav(channels=6), OK),
    ("rate_8k.wav", wav(rate=8000), OK),
    ("rate_44k.wav", wav(rate=44100, subtype="PCM_24"), OK),
    ("rate_48k.wav", wav(rate=48000, channels=2), OK),
    ("silence.wav", wav(data=np.zeros(RATE)), OK),
    ("clipping.wav", clipped, OK),
    ("nan_inf.wav", with_nan, OK),
    ("one_ms.wav", wav(seconds=0.001), OK),
    ("one_sample.wav", wav(data=[0.5]), OK),
    ("notes.txt", text("shopping list: eggs, milk\n"), "not a readable audio file"),
    ("image.png", raw(b"\x89PNG\r\n\x1a\n" + bytes(200)), "not a readable audio file"),
    # ink
    ("malformed.inkml", text("<ink><trace>1 2, 3"), "malformed XML"),
    ("no_traces.inkml", text(INKML.format("")), "no <trace>"),
    ("no_strokes.json", ink_json([]), "no pen strokes"),
    ("one_point.inkml", text(INKML.format("<trace>5 5</trace>")), OK),
    ("single_point.json", ink_json([[[3], [4]]]), OK),
    ("nan_coordinates.inkml", text(INKML.format("<trace>1 2, NaN 4, 5 6</trace>")), "NaN"),
    ("inf_coordinates.json", text('{"strokes": [[[1, 1e999, 2], [0, 1, 2]]]}'), "infinit"),  # orjson: 'number is infinity'
    ("huge_coordinates.json", ink_json([[[1.7e308, -1.7e308, 1.7e308], [0, 1.7e308, -1.7e308]]]), OK),
    ("far_offset.json", ink_json([[[1e9, 1e9 + 5, 1e9 + 9], [2e9, 2e9 + 3, 2e9]]]), OK),
    ("mixed_channels.inkml", text(INKML.format(
        '<traceFormat><channel name="X"/><channel name="Y"/><channel name="T"/></traceFormat>'
        "<trace>0 0 0, 1 1, 2 0 20</trace><trace>3 3, 4 4</trace>")), OK),
    ("mixed_time.json", ink_json([[[0, 1, 2], [0, 1, 0], [0, 5, 9]], [[3, 4], [3, 3]]]), OK),
    ("too_many_values.inkml", text(INKML.format("<trace>1 2 3 4, 5 6</trace>")), "more values"),
    ("entity_bomb.inkml", text(BOMB), "refused unsafe XML"),
    ("external_entity.inkml", external_entity, "refused unsafe XML"),
    ("external_dtd.inkml", external_dtd, OK),  # never fetched: expat does not load external DTDs
    ("sample.inkml", lambda path: path.write_bytes(HELLO.read_bytes()), OK),
]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    return str(make_model_dir(folder / "speech")[0]), str(make_ink_model_dir(folder / "ink"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory, models):
    """Make every file, transcribe them all in one batch; returns (folder, outputs, errors)."""
    folder = tmp_path_factory.mktemp("inputs")
    paths = []
    for name, make, _ in FILE_CASES:
        path = folder / name
        if make is not None:
            make(path)
        paths.append(str(path))
    out_dir, out, err = folder / "out", io.StringIO(), io.StringIO()
    summary = transcribe_files(paths, BatchOptions(model=models, fmt="json", output_dir=out_dir, progress=True),
                               out=out, err=err)
    lines = err.getvalue().splitlines()
    errors = {line.split(": ", 2)[1]: line for line in lines if line.startswith("error: ")}
    return folder, out_dir, errors, lines, summary


@pytest.mark.parametrize("name,make,problem", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_file_case(batch, name, make, problem):
    folder, out_dir, errors, _, _ = batch
    path = str(folder / name)
    if problem is None:
        assert path not in errors, errors.get(path)
        result = json.loads((out_dir / (folder / name).with_suffix(".json").name).read_text())
        assert result["file"] == path
        if result["duration"] is not None:  # speech: times inside the audio
            assert all(0 <= w["start"] <= w["end"] <= result["duration"] for w in result["words"])
    else:
        line = errors.get(path)
        assert line is not None, f"{name} was not refused"
        assert line.startswith(f"error: {path}: ") and problem in line, line
        assert len(line) < 400


def test_batch_goes_on_and_summarises(batch):
    _, out_dir, errors, lines, summary = batch
    failing = sum(1 for c in FILE_CASES if c[2] is not None)
    assert (summary.failed, summary.done) == (failing, len(FILE_CASES) - failing)
    assert len(errors) == failing
    assert all(line.startswith(("error: ", "progress: ", "summary: ")) for line in lines), lines
    assert not any(SECRET in p.read_text() for p in out_dir.iterdir())


def keras_archive(path, spec, model=None):
    import keras

    if model is None:  # a model whose only layer is arbitrary Python code
        model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda v: v * 2)])
    model.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("recognizer.json", json.dumps({"config": spec.to_json(), "metadata": {}}))
    return path


def edit_config(key, value):
    def change(directory):
        config = json.loads((directory / "config.json").read_text())
        section, _, name = key.rpartition(".")
        (config[section] if section else config)[name] = value
        (directory / "config.json").write_text(json.dumps(config))
        return directory
    return change


def truncate_weights(directory):
    weights = directory / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    return directory


def remove_weights(directory):
    (directory / "model.weights.h5").unlink()
    return directory


def garbage_config(directory):
    (directory / "config.json").write_bytes(b"\xff\xfe{{{")
    return directory


def lambda_keras(directory):
    return keras_archive(directory.with_suffix(".keras"), read_spec(directory))


def plain_keras(directory):
    import keras

    path = directory.with_suffix(".keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(path)
    return path


def not_a_zip(directory):
    path = directory.with_suffix(".keras")
    path.write_bytes(b"PK but not really a zip")
    return path


MODEL_CASES = [
    ("missing_directory", lambda d: d.with_name("nowhere"), "model not found"),
    ("truncated_weights", truncate_weights, "cannot read weights"),
    ("missing_weights", remove_weights, "no model.weights.h5"),
    ("newer_version", edit_config("format_version", 2), "upgrade"),
    ("alphabet_mismatch", edit_config("vocabulary.alphabet", "abc"), "alphabet"),
    ("garbage_config", garbage_config, "invalid JSON"),
    ("unknown_layer_option", edit_config("model.attention_heads", 4), "newer version"),
    ("keras_with_lambda", lambda_keras, "refused: it holds a Lambda layer"),
    ("keras_not_ours", plain_keras, "not a recognizer model"),
    ("keras_not_a_zip", not_a_zip, "not a readable .keras archive"),
]


@pytest.mark.parametrize("name,damage,problem", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_model_case(tmp_path, name, damage, problem):
    directory, _ = make_model_dir(tmp_path / "m")
    with pytest.raises(ModelLoadError, match=problem) as caught:
        Recognizer.load(damage(directory))
    assert "\n" not in str(caught.value)


def test_keras_file_written_by_us_loads_and_transcribes(tmp_path):
    directory, model = make_model_dir(tmp_path / "m")
    path = save_keras_file(tmp_path / "m.keras", read_spec(directory), model)
    from_dir, from_file = Recognizer.load(directory), Recognizer.load(path)
    sample = SAMPLES / "lights_kal16.wav"
    assert from_file.transcribe(sample) == from_dir.transcribe(sample)


def test_cli_mixed_batch_in_one_process(tmp_path, models):
    """Audio and ink, good and bad, in one command: one line per failure, no traceback, exit 1."""
    bad_ink = tmp_path / "bomb.inkml"
    bad_ink.write_text(BOMB)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"\x00\x01not audio" * 100)
    stereo = tmp_path / "stereo48k.wav"
    wav(rate=48000, channels=2)(stereo)
    lambda_model = keras_archive(tmp_path / "lambda.keras", read_spec(models[0]))
    files = [SAMPLES / "lights_kal16.wav", bad_ink, tmp_path / "gone.wav", SAMPLES / "hello_world.inkml",
             junk, stereo, SAMPLES / "call_me.json"]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(map(str, files)) + "\n")
    script = (
        "import sys\n"
        "from recognizer.transcribe import cli\n"
        "code = cli(sys.argv[1:7])\n"  # a mixed batch with both tiny models
        "print('exit', code, file=sys.stderr)\n"
        "code2 = cli(['--model', sys.argv[7], sys.argv[8]])\n"  # a refused .keras model
        "print('exit', code2, file=sys.stderr)\n")
    result = subprocess.run(
        [sys.executable, "-c", script, "--model", models[0], "--model", models[1], "--input-list", str(listing),
         str(lambda_model), str(files[0])],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 4, result.stderr
    assert errors[0] == f"error: {bad_ink}: refused unsafe XML (EntitiesForbidden)"
    assert errors[1] == f"error: {tmp_path / 'gone.wav'}: file not found"
    assert errors[2].startswith(f"error: {junk}: not a readable audio file")
    assert len(result.stdout.splitlines()) == 4  # the two samples of each kind and the 48 kHz stereo file
    summary = lines.index("summary: 7 files: 4 done, 3 failed, 0 skipped (output exists)")
    assert lines[summary + 1] == "exit 1"
    assert errors[3].startswith(f"error: {files[0]}: model {lambda_model}: ") and "Lambda" in errors[3]
    assert lines[-1] == "exit 1"
    assert all(line.startswith(("error: ", "exit ", "progress: ", "summary: ")) for line in lines), result.stderr
