"""The in-graph MFCC front-end against the librosa one (recognizer.features.mfcc)."""

import numpy as np
import pytest

from recognizer.audio import load_audio
from recognizer.features import FeatureConfig, mfcc
from recognizer.features_graph import dct_matrix, graph_mfcc, supports_graph
from tests.conftest import SAMPLES

tf = pytest.importorskip("tensorflow")


@pytest.mark.parametrize("config", [FeatureConfig(), FeatureConfig(top_db=None, cmvn=False, n_mfcc=13),
                                    FeatureConfig(n_fft=400, win_length=320, hop_length=128, top_db=60.0)])
def test_graph_mfcc_matches_librosa(config):
    for audio in (load_audio(SAMPLES / "lights_kal16.wav"), np.full(200, 0.01, np.float32)):
        reference = mfcc(audio, config)
        got = graph_mfcc(tf.constant(audio), config).numpy()
        assert got.shape == reference.shape
        scale = 1.0 if config.cmvn else np.abs(reference).max()
        assert np.abs(got - reference).max() / scale < 1e-3


def test_dct_matrix_is_orthonormal_dct2():
    from scipy.fft import dct

    config = FeatureConfig()
    x = np.random.default_rng(0).normal(size=(5, config.n_mels))
    assert np.allclose(x @ dct_matrix(config), dct(x, type=2, norm="ortho", axis=-1)[:, :config.n_mfcc], atol=1e-5)


def test_deltas_are_not_in_the_graph():
    assert not supports_graph(FeatureConfig(deltas=True))
    with pytest.raises(ValueError, match="deltas"):
        graph_mfcc(tf.zeros([1600]), FeatureConfig(deltas=True))
