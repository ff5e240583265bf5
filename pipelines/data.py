"""Training data: manifests -> cached feature arrays -> bucketed, padded tf.data batches."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.parallel import parallel_map
from recognizer.frontend import compute_features, load_input
from recognizer.vocab import Vocabulary

PATH_COLUMNS = ("wav_filename", "ink_filename")
SPLITS = ("train", "valid_seen", "valid_heldout")  # what the corpus builders write


@dataclass(frozen=True)
class Utterance:
    """One training example: an audio or ink file and its transcript."""

    path: str
    transcript: str
    group: str = ""


def read_manifest(path: str | Path) -> list[Utterance]:
    """A DeepSpeech CSV (wav_filename, wav_filesize, transcript[, group]) or its ink twin
    (ink_filename, transcript[, group]); relative paths resolve against the manifest's folder."""
    path = Path(path)
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    column = next((c for c in PATH_COLUMNS if rows and c in rows[0]), None)
    if rows and (column is None or "transcript" not in rows[0]):
        raise ValueError(f"{path}: needs a transcript column and one of {', '.join(PATH_COLUMNS)}")
    out = []
    for row in rows:
        item = Path(row[column])
        item = item if item.is_absolute() else path.parent / item
        out.append(Utterance(str(item), row["transcript"], row.get("group") or ""))
    return out


def write_ink_manifest(path: str | Path, rows) -> Path:
    """Write an ink manifest (``ink_filename,transcript,group``) from (file, text, group) rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ink_filename", "transcript", "group"])
        writer.writerows(rows)
    return path


BABBLE_TALKERS = (3, 5)  # fewest and most other training recordings mixed into one babble noise


def augmentation_fingerprint() -> str:
    """A digest of the augmentation code: part of the cache key, so editing it recomputes augmented features.

    (A hand-bumped version number was forgotten once: the telephone line was added but old caches were reused.)
    """
    import inspect

    from pipelines import augment

    return hashlib.sha1((inspect.getsource(augment) + repr(BABBLE_TALKERS)).encode()).hexdigest()[:16]


def _readable_recordings(paths) -> list[np.ndarray]:
    """The recordings of ``paths`` that can be read (babble talkers; a bad one is skipped)."""
    voices = []
    for path in paths:
        try:
            voices.append(load_input("speech", path))
        except ValueError:
            pass
    return voices


def _features_job(args):
    """Features of one example, or the one-line reason it cannot be read."""
    modality, utterance, feature_config, augment_seed, talkers = args
    try:
        loaded = load_input(modality, utterance.path)
    except ValueError as error:  # AudioError, InkError: a bad file must not stop a corpus
        return f"{utterance.path}: {error}"
    if augment_seed is not None and modality == "speech":
        from pipelines.augment import augment_waveform

        babble = (lambda: _readable_recordings(talkers)) if talkers else None
        loaded = augment_waveform(loaded, np.random.default_rng(augment_seed), babble=babble)
    return compute_features(modality, loaded, feature_config)


def cache_features(utterances: list[Utterance], feature_config, vocab: Vocabulary, cache_dir: str | Path,
                   augment_share: float = 0.0, seed: int = 0, max_frames: int = 10**9, workers: int = 2,
                   modality: str = "speech") -> dict:
    """Compute (or reuse) features for ``utterances``; returns arrays for :func:`make_dataset`.

    The cache key covers the file list, feature parameters, augmentation share and seed and the
    augmentation code (:func:`augmentation_fingerprint`), so changing any of them recomputes.
    """
    key = hashlib.sha1(json.dumps([[u.path for u in utterances], feature_config.to_dict(), augment_share, seed]
                                  + ([augmentation_fingerprint()] if augment_share else [])).encode()).hexdigest()[:16]
    cache = Path(cache_dir) / f"features-{key}.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            frames, lengths = data["frames"], data["lengths"]
    else:
        rng = np.random.default_rng(seed)
        jobs = []
        for u in utterances:
            augment_seed = int(rng.integers(2**31)) if rng.random() < augment_share else None
            talkers = ()
            if augment_seed is not None and modality == "speech" and len(utterances) > 1:
                count = int(rng.integers(BABBLE_TALKERS[0], BABBLE_TALKERS[1] + 1))
                picks = rng.choice(len(utterances), size=min(len(utterances), count + 1), replace=False)
                talkers = tuple(p for p in (utterances[i].path for i in picks) if p != u.path)[:count]
            jobs.append((modality, u, feature_config, augment_seed, talkers))
        chunks = parallel_map(_features_job, jobs, "features", workers, every=1000, chunksize=16)
        problems = [c for c in chunks if isinstance(c, str)]
        if problems:
            print(f"warning: left out {len(problems)} unreadable examples, e.g. {problems[0]}",
                  file=sys.stderr, flush=True)
        dim = next((c.shape[1] for c in chunks if not isinstance(c, str)), 1)
        chunks = [np.zeros((0, dim), np.float32) if isinstance(c, str) else c for c in chunks]
        lengths = np.array([c.shape[0] for c in chunks], dtype=np.int32)
        frames = np.concatenate(chunks).astype(np.float32)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, frames=frames, lengths=lengths)
        tmp.rename(cache)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    labels = [vocab.encode(u.transcript) for u in utterances]
    keep = [i for i in range(len(utterances)) if 0 < lengths[i] <= max_frames and labels[i].size > 0]
    return {"frames": frames, "offsets": offsets, "lengths": lengths, "labels": labels, "keep": keep,
            "utterances": utterances}


def make_dataset(cached: dict, batch_size: int, shuffle: bool, seed: int = 0, spec_augment: bool = False,
                 subsampling: int = 1, drop_remainder: bool = False, first_epoch: int = 0):
    """A tf.data pipeline of ``({"features", "lengths"}, {"labels", "label_lengths"})`` batches,
    bucketed by length so padding stays small.  Utterances whose labels cannot fit the
    subsampled frames (CTC needs T' >= label length + repeats) are dropped.  Each pass
    (epoch) is shuffled by ``seed`` + its number, counted from ``first_epoch`` (a resumed run)."""
    import tensorflow as tf

    frames, offsets, lengths, labels = cached["frames"], cached["offsets"], cached["lengths"], cached["labels"]
    dim = frames.shape[1]

    def fits(i):
        label = labels[i]
        needed = label.size + int(np.sum(label[1:] == label[:-1]))
        return -(-int(lengths[i]) // subsampling) >= needed

    order = [i for i in cached["keep"] if fits(i)]

    def generator():
        idx = list(order)
        if shuffle:
            np.random.default_rng(seed + generator.epoch).shuffle(idx)
            generator.epoch += 1
        for i in idx:
            yield (frames[offsets[i]:offsets[i + 1]], labels[i])

    generator.epoch = first_epoch
    ds = tf.data.Dataset.from_generator(
        generator, output_signature=(tf.TensorSpec([None, dim], tf.float32), tf.TensorSpec([None], tf.int32)))
    ds = ds.map(lambda f, l: {"features": f, "lengths": tf.shape(f)[0], "labels": l, "label_lengths": tf.shape(l)[0]})
    # Padding to the bucket boundary keeps batch shapes to a handful, so XLA compiles each once.
    longest = int(lengths.max()) + 2 if len(lengths) else 2
    boundaries = [b for b in (150, 250, 350, 500, 700, 1000, 1400, 2000) if b < longest] + [longest]
    ds = ds.bucket_by_sequence_length(
        lambda item: item["lengths"], bucket_boundaries=boundaries,
        bucket_batch_sizes=[max(1, batch_size * 300 // b) for b in boundaries] + [1],
        padded_shapes={"features": [None, dim], "lengths": [], "labels": [None], "label_lengths": []},
        pad_to_bucket_boundary=True, drop_remainder=drop_remainder)
    if shuffle:
        ds = ds.shuffle(64, seed=seed)

    def split(item):
        features = item["features"]
        # labels were padded to the bucket boundary too; CTC cost grows with their padded
        # length, so cut them to the batch's longest label rounded up to a multiple of 16
        label_width = (tf.reduce_max(item["label_lengths"]) + 15) // 16 * 16
        item["labels"] = item["labels"][:, :label_width]
        if spec_augment:
            from pipelines.augment import spec_augment as augment

            features = augment(features, item["lengths"])
        return ({"features": features, "lengths": item["lengths"]},
                {"labels": item["labels"], "label_lengths": item["label_lengths"]})

    return ds.map(split).prefetch(2), len(order)
