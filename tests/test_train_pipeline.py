import json

import pytest

from pipelines.config import load_config
from pipelines.train import train
from recognizer.recognizer import Recognizer
from tests.conftest import SAMPLES


def test_config_overrides_and_validation(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[train]\nname = "x"\nepochs = 3\n[model]\nlstm_units = 32\n')
    config = load_config(path, ["train.epochs=7", "model.lstm_layers=1", "data.train=['a.csv']"])
    assert (config.train.name, config.train.epochs) == ("x", 7)
    assert config.model == {"lstm_units": 32, "lstm_layers": 1} and config.data.train == ("a.csv",)
    with pytest.raises(ValueError, match="unknown TrainConfig"):
        load_config(path, ["train.epoch=1"])
    with pytest.raises(ValueError, match="section.key=value"):
        load_config(path, ["epochs"])


@pytest.mark.parametrize("text, value", [("false", False), ("False", False), ("true", True)])
def test_boolean_overrides_in_toml_or_python_spelling(text, value):
    """``--set train.jit_compile=false`` once gave the string 'false', which is true."""
    config = load_config(None, [f"train.jit_compile={text}", "train.learning_rate=3e-4",
                                "train.init_from=data/exp/model", "train.checkpoint_every_steps=None"])
    assert config.train.jit_compile is value and config.train.learning_rate == 3e-4
    assert config.train.init_from == "data/exp/model" and config.train.checkpoint_every_steps is None


@pytest.mark.parametrize("override, message", [("train.jit_compile=yes", "jit_compile must be bool"),
                                               ("train.epochs=1.5", "epochs must be int"),
                                               ("data.train='a.csv'", "train must be tuple")])
def test_override_of_the_wrong_type_is_refused(override, message):
    with pytest.raises(ValueError, match=message):
        load_config(None, [override])


def test_train_writes_a_loadable_model(tmp_path):
    manifest = str(SAMPLES / "transcripts.csv")
    overrides = [
        "train.name=tiny", f"train.output_dir={tmp_path / 'models'}", f"train.run_dir={tmp_path / 'runs'}",
        "train.epochs=2", "train.batch_size=2", "train.warmup_steps=1", "train.jit_compile=False",
        f"data.train=['{manifest}']", f"data.valid=['{manifest}']", f"data.cache_dir={tmp_path / 'cache'}",
        "data.augment_share=0.5", "model.conv_filters=16", "model.lstm_units=16", "model.lstm_layers=1"]
    directory = train(load_config(None, overrides))
    metadata = json.loads((directory / "metadata.json").read_text())
    assert metadata["complete"] and metadata["training"]["utterances"] == 4 and metadata["validation"]["utterances"] == 4
    assert 0.0 <= metadata["validation"]["greedy_cer"] and metadata["parameters"] > 0
    assert metadata["export"] == {"tflite": "int8_weights"}  # train.tflite_variant, which export follows
    assert (tmp_path / "runs" / "tiny" / "history.csv").read_text().count("\n") == 3
    assert Recognizer.load(directory).transcribe(SAMPLES / "hello_slt.wav").duration > 1.0

    # fine-tuning starts from those weights: with no training step, the weights are unchanged
    import numpy as np

    from recognizer.model_dir import load_keras_model

    before = load_keras_model(directory)[1].get_weights()
    import warnings

    # the starting model's language model and decoder settings come along
    (directory / "lm.arpa").write_text("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0\thello\n\n\\end\\\n")
    decoder = {"beam_width": 4, "lm_weight": 0.1}
    metadata_file = directory / "metadata.json"
    metadata_file.write_text(json.dumps({**json.loads(metadata_file.read_text()), "decoder": decoder}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuned = train(load_config(None, [*overrides, "train.name=tuned", f"train.init_from={directory}",
                                         "train.learning_rate=1e-12", "train.min_learning_rate=1e-12",
                                         "train.epochs=1"]))
    # the kept starting weights were saved before the optimizer existed: reloading them is silent
    assert not [w for w in caught if "optimizer" in str(w.message)]
    after = load_keras_model(tuned)[1].get_weights()
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(before, after))
    # the starting weights were scored first: an epoch that does not beat them is not kept
    assert json.loads((tmp_path / "runs" / "tuned" / "best.json").read_text())["epoch"] == 0
    # but the last epoch's weights stay in the run folder, to be scored on other sets
    assert json.loads((tmp_path / "runs" / "tuned" / "last.json").read_text())["epoch"] == 1
    assert (tmp_path / "runs" / "tuned" / "last.weights.h5").is_file()
    assert (tuned / "lm.arpa").read_text() == (directory / "lm.arpa").read_text()
    assert json.loads((tuned / "metadata.json").read_text())["decoder"] == decoder
    training = json.loads((tuned / "metadata.json").read_text())["training"]
    assert training["best_epoch"] == 0
    # the history goes on from the starting model's: its run, then this one
    first, second = training["stages"]
    assert first["from"] == "scratch" and second["from"] == str(directory) and second["learning_rate"] == 1e-12
    assert training["total_seconds"] == first["seconds"] + second["seconds"]

    # train.int8_grid: what is scored and kept is on the int8 grid (pipelines.int8_weights)
    from pipelines.int8_weights import model_on_grid

    snapped = train(load_config(None, [*overrides, "train.name=snapped", f"train.init_from={directory}",
                                       "train.epochs=1", "train.int8_grid=true"]))
    assert model_on_grid(load_keras_model(snapped)[1]) and not model_on_grid(load_keras_model(directory)[1])
    assert "int8_grid" in json.loads((snapped / "metadata.json").read_text())


def test_training_stages_continue_a_history():
    from pipelines.train import training_stages

    assert training_stages(None, {"from": "scratch", "seconds": 5}) == {
        "stages": [{"stage": 1, "from": "scratch", "seconds": 5}], "total_seconds": 5}
    history = training_stages({"stages": [{"stage": 1, "seconds": 5}, {"stage": 2, "seconds": 7}]}, {"seconds": 1})
    assert [s["stage"] for s in history["stages"]] == [1, 2, 3] and history["total_seconds"] == 13
    older = training_stages({"manifests": ["a.csv"], "best_epoch": 4, "seconds": 9}, {"seconds": 1})
    assert older["stages"][0] == {"stage": 1, "from": "unknown", "data": "a.csv", "epochs": 4, "seconds": 9}
