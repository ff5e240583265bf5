import csv

import numpy as np

from pipelines.data import cache_features, make_dataset, read_manifest
from recognizer.features import FeatureConfig
from recognizer.vocab import Vocabulary
from tests.conftest import SAMPLES


def manifest_with_a_bad_file(tmp_path):
    rows = list(csv.DictReader((SAMPLES / "transcripts.csv").open()))
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    path = tmp_path / "m.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wav_filename", "wav_filesize", "transcript"])
        for row in rows:
            writer.writerow([SAMPLES / row["wav_filename"], row["wav_filesize"], row["transcript"]])
        writer.writerow([tmp_path / "broken.wav", 10, "broken"])
    return path


def test_bad_examples_are_left_out_with_a_warning(tmp_path, capsys):
    utterances = read_manifest(manifest_with_a_bad_file(tmp_path))
    cached = cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1)
    assert cached["keep"] == [0, 1, 2, 3]
    assert "left out 1 unreadable examples" in capsys.readouterr().err
    again = cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1)
    assert np.array_equal(again["frames"], cached["frames"])  # served from the cache


def test_augmented_cache_is_kept_apart_and_survives_a_bad_talker(tmp_path, monkeypatch):
    import pipelines.augment

    utterances = read_manifest(manifest_with_a_bad_file(tmp_path))  # the broken file may be drawn as a talker
    talkers = []
    original = pipelines.augment.babble_noise
    monkeypatch.setattr(pipelines.augment, "babble_noise", lambda voices, n, rng: talkers.append(len(voices))
                        or original(voices, n, rng))
    plain = cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1)
    noisy = cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1,
                           augment_share=1.0, seed=3)
    assert len(list((tmp_path / "cache").glob("features-*.npz"))) == 2
    assert noisy["keep"] == plain["keep"] == [0, 1, 2, 3]
    assert not np.array_equal(noisy["frames"][:50], plain["frames"][:50])
    assert talkers and all(1 <= n <= 4 for n in talkers)  # other recordings than the one augmented, unreadable ones skipped


def test_editing_the_augmentation_code_recomputes_augmented_features_only(tmp_path, monkeypatch):
    import pipelines.data

    utterances = read_manifest(manifest_with_a_bad_file(tmp_path))[:2]
    for _ in range(2):
        for share in (0.0, 1.0):
            cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1, augment_share=share)
    assert len(list((tmp_path / "cache").glob("features-*.npz"))) == 2
    monkeypatch.setattr(pipelines.data, "augmentation_fingerprint", lambda: "edited")
    for share in (0.0, 1.0):
        cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1, augment_share=share)
    assert len(list((tmp_path / "cache").glob("features-*.npz"))) == 3


def test_augmentation_fingerprint_follows_the_augment_source(monkeypatch):
    import inspect

    import pipelines.data

    before = pipelines.data.augmentation_fingerprint()
    original = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: original(obj) + "# an edit")
    assert pipelines.data.augmentation_fingerprint() != before


def test_batches_are_padded_to_bucket_boundaries(tmp_path):
    utterances = read_manifest(SAMPLES / "transcripts.csv")
    cached = cache_features(utterances, FeatureConfig(), Vocabulary(), tmp_path / "cache", workers=1)
    dataset, count = make_dataset(cached, batch_size=2, shuffle=False, subsampling=3)
    assert count == 4
    seen = 0
    for x, y in dataset:
        lengths, labels = x["lengths"].numpy(), y["labels"].numpy()
        # padded to a bucket boundary minus one (the last bucket ends just past the longest)
        longest = int(cached["lengths"].max()) + 2
        boundaries = [b for b in (150, 250, 350, 500, 700, 1000, 1400, 2000) if b < longest] + [longest]
        assert x["features"].shape[1] + 1 in boundaries and lengths.max() < x["features"].shape[1] + 1
        assert labels.shape[1] % 16 == 0 and labels.shape[1] >= y["label_lengths"].numpy().max()
        for i, n in enumerate(lengths):
            assert np.abs(x["features"][i, n:]).sum() == 0
        seen += len(lengths)
    assert seen == 4
