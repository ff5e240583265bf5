"""The Recognizer on handwriting: the same model class and decoder, words with point spans."""

import numpy as np

from recognizer.ink import load_ink
from recognizer.ink_features import InkFeatureConfig
from recognizer.model import ModelConfig, build_model
from recognizer.model_dir import ModelSpec, save_model_dir
from recognizer.recognizer import InkWordSpan, Recognizer
from recognizer.vocab import Vocabulary
from tests.conftest import SAMPLES


def make_ink_model_dir(path):
    vocab, features = Vocabulary.for_ink(), InkFeatureConfig()
    config = ModelConfig(features.dim, vocab.size, conv_filters=8, conv_stride=2, lstm_units=8, lstm_layers=1)
    model = build_model(config)
    # bias the output towards "a" on every frame and " " nowhere, so words are predictable
    weights = model.logits.get_weights()
    weights[1][:] = -5.0
    weights[1][vocab.alphabet.index("a") + 1] = 5.0
    model.logits.set_weights(weights)
    spec = ModelSpec("ink", features.to_dict(), config.to_dict(), vocab)
    return save_model_dir(path, spec, model)


def test_ink_transcription_has_point_spans(tmp_path):
    recognizer = Recognizer.load(make_ink_model_dir(tmp_path / "ink"))
    assert recognizer.modality == "ink"
    path = SAMPLES / "hello_world.inkml"
    result = recognizer.transcribe(path)
    assert result.duration is None and result.text == "a"
    (word,) = result.words
    ink = load_ink(path)
    assert isinstance(word, InkWordSpan)
    assert (word.start_stroke, word.start_point) == (0, 0)
    assert word.end_stroke == len(ink.strokes) - 1 and word.end_point == len(ink.strokes[-1]) - 1
    assert recognizer.transcribe(ink) == result  # an Ink object works as well as a path


def test_ink_model_reads_json_samples(tmp_path):
    recognizer = Recognizer.load(make_ink_model_dir(tmp_path / "ink"))
    result = recognizer.transcribe(SAMPLES / "call_me.json", beam_width=4)
    assert set(result.text) <= set(Vocabulary.for_ink().alphabet)
    assert np.all([0 <= w.confidence <= 1 for w in result.words])
