"""Weight-only int8: the per-channel grid, snapping Keras models, the TFLite rewrite."""

import json

import numpy as np
import pytest

from pipelines.int8_weights import LEVELS, main, on_grid, quantize, snap
from recognizer.features import FeatureConfig
from recognizer.model import ModelConfig, build_model
from recognizer.model_dir import ModelSpec, read_spec, save_model_dir
from recognizer.vocab import Vocabulary
from tests.conftest import SAMPLES


def test_snap_rounds_each_channel_to_its_own_grid():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 29)).astype(np.float32) * np.linspace(0.01, 3, 29, dtype=np.float32)
    w[:, 3] = 0.0  # an all-zero channel stays zero
    snapped = snap(w)
    steps = np.abs(w).max(axis=0) / LEVELS
    assert np.all(np.abs(snapped - w) <= steps / 2 + 1e-7)
    assert not on_grid(w) and on_grid(snapped) and np.array_equal(snap(snapped), snapped)
    assert np.all(snapped[:, 3] == 0) and len(np.unique(snapped[:, 0])) <= 2 * LEVELS + 1


def test_quantize_gives_grid_weights_back_bit_for_bit():
    w = snap(np.random.default_rng(1).normal(size=(48, 5, 26)).astype(np.float32))
    q, scales = quantize(np.moveaxis(w, -1, 0), axis=0)  # TFLite layout: channels first
    assert q.dtype == np.int8 and np.abs(q.astype(int)).max() <= LEVELS
    assert np.array_equal(q.astype(np.float32) * scales[:, None, None], np.moveaxis(w, -1, 0))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    vocab, features = Vocabulary(), FeatureConfig()
    config = ModelConfig(features.dim, vocab.size, conv_filters=48, lstm_units=32, lstm_layers=1)
    spec = ModelSpec("speech", features.to_dict(), config.to_dict(), vocab, {"note": "test"})
    return save_model_dir(tmp_path_factory.mktemp("w8") / "m", spec, build_model(config))


def test_snapped_model_exports_an_exact_int8_weights_tflite(model_dir):
    from pipelines.export import export, tflite_ops
    from recognizer.audio import load_audio
    from recognizer.runners import TFLiteRunner

    quiet = dict(saved_model=False, lstm="fused", log=lambda *_: None)
    assert export(model_dir, ("float32", "int8_weights"), **quiet)["int8_grid"] is False
    assert main([str(model_dir)]) == 0
    assert read_spec(model_dir).metadata["int8_grid"]["tensors"] == 6  # conv, 2 x 2 LSTM kernels, dense
    info = export(model_dir, ("float32", "int8_weights"), **quiet)
    assert info["int8_grid"] is True and info["variants"]["model.tflite"]["quantization"] == "int8_weights"
    small, full = (model_dir / "model.tflite").stat().st_size, (model_dir / "model.float32.tflite").stat().st_size
    assert small < 0.6 * full and "DEQUANTIZE" in tflite_ops((model_dir / "model.tflite").read_bytes())
    audio = load_audio(SAMPLES / "hello_slt.wav")
    a = TFLiteRunner(model_dir, "model.tflite").audio_logits(audio)
    b = TFLiteRunner(model_dir, "model.float32.tflite").audio_logits(audio)
    assert np.abs(a - b).max() < 1e-5 and np.array_equal(a.argmax(-1), b.argmax(-1))
    assert json.loads((model_dir / "tflite.json").read_text())["int8_grid"] is True


def test_snapping_a_missing_model_is_one_line(capsys):
    assert main(["/nonexistent/model"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: /nonexistent/model:") and "\n" not in err
