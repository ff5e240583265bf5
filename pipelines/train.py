"""Train a BiLSTM-CTC model from a TOML config and write a model directory.

    python -m pipelines.train --config pipelines/configs/speech-en.toml [--set train.epochs=5 ...]

Validation WER/CER each epoch (greedy decoding), best-CER and last-epoch weights kept, early stopping,
warm-up + cosine learning rate, TensorBoard logs in ``runs/<name>/logs`` and resume after
interruption, even ``kill -9`` (rerun the same command: ``runs/<name>/backup`` holds the last
checkpoint, optimizer state included, taken each epoch and every
``train.checkpoint_every_steps`` steps).  ``--strategy mirrored`` trains on all local GPUs
(or CPU devices), ``--strategy multiworker`` across machines described by ``TF_CONFIG``.
Fine-tuning (``train.init_from``) continues the starting model's training history and keeps the
language model it ships with its tuned decoder settings.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from pipelines import int8_weights
from pipelines.checkpoint import StepCheckpoint
from pipelines.config import Config, DataConfig, load_config
from pipelines.data import cache_features, make_dataset
from pipelines.metrics import error_rates
from pipelines.sources import load_source
from recognizer.ctc import greedy_decode
from recognizer.frontend import feature_config
from recognizer.model_dir import ModelSpec, save_model_dir
from recognizer.vocab import Vocabulary


def load_sources(specs, data: DataConfig) -> list:
    """All examples of the data source strings ``specs`` (manifests, folders, tfds splits)."""
    return [u for spec in specs for u in load_source(spec, data.cache_dir, data.tfds_data_dir, data.tfds_manual_dir)]


def inherited_decoding(directory: Path, metadata: dict) -> tuple[dict, dict]:
    """What a fine-tuned model keeps of the model it starts from: the language model it ships
    (``lm.arpa.gz``) and, with it, the decoder settings tuned for it (``decoder`` in its metadata).
    Returns the metadata entries and the files to write beside the new weights."""
    from recognizer.recognizer import bundled_lm

    lm = bundled_lm(directory)
    if lm is None:
        return {}, {}
    return ({"decoder": metadata["decoder"]} if "decoder" in metadata else {}), {lm.name: lm.read_bytes()}


def training_stages(previous: dict | None, stage: dict) -> dict:
    """The ``stages`` and ``total_seconds`` of a model's training history: those of the model
    it was fine-tuned from (``previous``: its metadata ``training``, or None from scratch),
    then ``stage``.  A previous model without a history counts as one stage."""
    if previous is None:
        stages = []
    elif previous.get("stages"):
        stages = [dict(s) for s in previous["stages"]]
    else:
        stages = [{"stage": 1, "from": "unknown", "data": ", ".join(previous.get("manifests", [])),
                   "epochs": previous.get("best_epoch"), "seconds": previous.get("seconds", 0)}]
    stages.append({"stage": len(stages) + 1, **stage})
    return {"stages": stages, "total_seconds": sum(int(s.get("seconds") or 0) for s in stages)}


def transcribe_batches(model, dataset, vocab: Vocabulary, limit: int | None = None) -> tuple[list, list]:
    """Greedy transcripts and references for the batches of ``dataset``."""
    refs, hyps = [], []
    for x, y in dataset:
        logits = model.infer(x["features"], x["lengths"]).numpy()
        out_lengths = np.asarray(model.output_lengths(x["lengths"]))
        for i in range(logits.shape[0]):
            hyps.append(vocab.decode(greedy_decode(logits[i, : out_lengths[i]]).labels))
            refs.append(vocab.decode(y["labels"][i, : y["label_lengths"][i]].numpy()))
        if limit and len(refs) >= limit:
            break
    return refs, hyps


STRATEGIES = ("default", "mirrored", "multiworker")


def make_strategy(name: str):
    """The tf.distribute strategy called ``name`` (see :data:`STRATEGIES`); create it before
    any other TensorFlow work (multiworker needs that)."""
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":  # all GPUs, else all (logical) CPU devices
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r} (use one of {', '.join(STRATEGIES)})")


def _replica_clipped_adam():
    import keras
    import tensorflow as tf

    class ReplicaClippedAdam(keras.optimizers.Adam):
        """Adam whose ``clipnorm`` acts on the gradient of the whole batch under tf.distribute
        (Keras would clip each replica's share before summing them, which changes training)."""

        def _clip_gradients(self, grads):
            context = tf.distribute.get_replica_context()
            if not self.clipnorm or context is None or context.num_replicas_in_sync == 1:
                return super()._clip_gradients(grads)
            replicas = context.num_replicas_in_sync
            total = context.all_reduce(tf.distribute.ReduceOp.SUM, list(grads))
            # every replica now holds the clipped total; the optimizer sums the replicas next
            return [g / replicas for g in super()._clip_gradients(total)]

    return ReplicaClippedAdam


def ReplicaClippedAdam(*args, **kwargs):  # noqa: N802 (a class, built on first use)
    return _replica_clipped_adam()(*args, **kwargs)


def is_chief(strategy) -> bool:
    """Whether this process writes checkpoints, logs and the model (one worker of a cluster does)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    has_chief = "chief" in (resolver.cluster_spec().as_dict() or {})
    return resolver.task_type == "chief" or (not has_chief and resolver.task_type == "worker" and resolver.task_id == 0)


def make_callbacks(config: Config, model, valid_ds, vocab: Vocabulary, run_dir: Path, steps: int, on_improved,
                   checkpoint: StepCheckpoint):
    import keras

    class ValidationErrorRates(keras.callbacks.Callback):
        """Greedy WER/CER on the validation set; keeps the best weights (lowest CER) and calls
        ``on_improved(epoch, wer, cer)`` so a usable model directory exists after every better epoch."""

        def __init__(self):
            super().__init__()
            self.best = np.inf
            state = run_dir / "best.json"
            if state.exists():
                self.best = json.loads(state.read_text())["val_cer"]

        def on_train_begin(self, logs=None):
            """Fine-tuning: the starting weights are the mark to beat, so an epoch that makes
            the model worse never replaces it (and a run where none beats it ends with it)."""
            if not config.train.init_from or self.best != np.inf:
                return
            self._snap()
            refs, hyps = transcribe_batches(model, valid_ds, vocab, config.train.valid_decode_limit)
            wer, cer = error_rates(refs, hyps)
            print(f"starting weights: val WER {wer:.3f} CER {cer:.3f}", flush=True)
            self.best = cer
            if checkpoint.writer:
                self._keep(0, wer, cer)

        def _snap(self):
            """With ``train.int8_grid``, what is scored and kept is on the int8 grid: training goes
            on from the snapped weights, and the int8-weights TFLite model is exact."""
            if config.train.int8_grid:
                int8_weights.snap_model(model)

        def _keep(self, epoch, wer, cer, name="best"):
            model.save_weights(run_dir / f".{name}.weights.h5")
            (run_dir / f".{name}.weights.h5").replace(run_dir / f"{name}.weights.h5")
            (run_dir / f"{name}.json").write_text(json.dumps({"epoch": epoch, "val_wer": wer, "val_cer": cer}))

        def on_epoch_end(self, epoch, logs=None):
            self._snap()
            refs, hyps = transcribe_batches(model, valid_ds, vocab, config.train.valid_decode_limit)
            wer, cer = error_rates(refs, hyps)
            logs["val_wer"], logs["val_cer"] = wer, cer
            print(f"\nepoch {epoch + 1}: val WER {wer:.3f} CER {cer:.3f} | e.g. {refs[0]!r} -> {hyps[0]!r}",
                  flush=True)
            if checkpoint.writer:  # kept even when not the best: it may do better on other sets
                self._keep(epoch + 1, wer, cer, name="last")
            if cer < self.best:
                self.best = cer
                if checkpoint.writer:
                    self._keep(epoch + 1, wer, cer)
                    on_improved(epoch + 1, wer, cer)

    class ProgressLines(keras.callbacks.Callback):
        """One progress line every ``every`` steps (for logs, where a progress bar is unreadable)."""

        def __init__(self, steps: int, every: int = 25):
            super().__init__()
            self.steps, self.every = steps, every

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.started = epoch, time.time()

        def on_train_batch_end(self, batch, logs=None):
            done = batch + 1
            if done % self.every == 0 or done == self.steps:
                rate = (time.time() - self.started) / done
                print(f"epoch {self.epoch + 1} step {done}/{self.steps} loss {logs['loss']:.2f} "
                      f"{rate:.2f} s/step, epoch ETA {rate * (self.steps - done) / 60:.1f} min", flush=True)

    return [
        ValidationErrorRates(),
        checkpoint,
        keras.callbacks.EarlyStopping(monitor="val_cer", mode="min", patience=config.train.patience),
        keras.callbacks.TensorBoard(str(run_dir / "logs"), update_freq=50),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
        *([] if sys.stderr.isatty() else [ProgressLines(steps)]),
    ]


def train(config: Config) -> Path:
    """Run the whole recipe; returns the written model directory."""
    import keras
    import tensorflow as tf

    from recognizer.model import ModelConfig, build_model

    started = time.time()
    strategy = make_strategy(config.train.strategy)
    chief = is_chief(strategy)
    keras.utils.set_random_seed(config.train.seed)
    modality = config.train.modality
    features = feature_config(modality, config.features)
    vocab = Vocabulary.from_dict(config.vocabulary) if config.vocabulary else Vocabulary()
    if modality == "ink" and not config.vocabulary:
        vocab = Vocabulary.for_ink()
    model_config = ModelConfig.from_dict({**config.model, "input_dim": features.dim, "vocab_size": vocab.size})
    run_dir = backup_root = Path(config.train.run_dir) / config.train.name
    if not chief:  # other workers keep their logs apart and write no model
        run_dir = run_dir / f"worker-{strategy.cluster_resolver.task_id}"
    run_dir.mkdir(parents=True, exist_ok=True)

    train_utts, valid_utts = load_sources(config.data.train, config.data), load_sources(config.data.valid, config.data)
    max_frames = (int(config.data.max_seconds / features.frame_seconds) if modality == "speech"
                  else config.data.max_points)
    common = dict(cache_dir=config.data.cache_dir, max_frames=max_frames, modality=modality)
    train_cache = cache_features(train_utts, features, vocab, augment_share=config.data.augment_share,
                                 seed=config.train.seed, **common)
    valid_cache = cache_features(valid_utts, features, vocab, **common)
    def training_batches(drop_remainder, first_epoch=0):
        ds, n = make_dataset(train_cache, config.train.batch_size, shuffle=True, seed=config.train.seed,
                             spec_augment=config.train.spec_augment, subsampling=model_config.subsampling,
                             drop_remainder=drop_remainder, first_epoch=first_epoch)
        return ds.with_options(_sharding_options()), n

    # Full batches only (fewer shapes to compile; a different remainder is left out each epoch),
    # unless the data is too small to fill one batch per bucket.
    drop_all = True
    train_ds, n_train = training_batches(drop_remainder=drop_all)
    steps_per_epoch = sum(1 for _ in train_ds)
    if steps_per_epoch == 0:
        drop_all = False
        train_ds, n_train = training_batches(drop_remainder=drop_all)
        steps_per_epoch = sum(1 for _ in train_ds)
    if steps_per_epoch == 0:
        raise ValueError("no training utterance fits (empty manifests, or every label too long for its audio)")
    valid_ds, _ = make_dataset(valid_cache, config.train.batch_size, shuffle=False,
                               subsampling=model_config.subsampling)
    frames = int(train_cache["lengths"][train_cache["keep"]].sum())
    hours = frames * features.frame_seconds / 3600 if modality == "speech" else None
    size = f"{hours:.2f} h" if hours is not None else f"{frames} points"
    print(f"training on {n_train} utterances ({size}), validating on {len(valid_utts)}", flush=True)

    replicas = strategy.num_replicas_in_sync
    jit_compile = config.train.jit_compile and replicas == 1  # XLA does not compile cross-replica steps
    if replicas > 1:
        print(f"training on {replicas} replicas ({config.train.strategy}); batches are split between them",
              flush=True)
    # every worker restores from worker 0's checkpoint (runs/ on a shared filesystem)
    checkpoint = StepCheckpoint(backup_root / "backup", steps_per_epoch, config.train.checkpoint_every_steps, chief)
    previous_training = None  # the training history of the model fine-tuned from
    inherited_metadata, inherited_files = {}, {}  # its decoder settings and language model
    with strategy.scope():
        model = build_model(model_config)
        if config.train.init_from:
            from recognizer.model_dir import METADATA_FILE, WEIGHTS_FILE, resolve_model_path

            source = resolve_model_path(config.train.init_from) / WEIGHTS_FILE
            model.load_weights(source)
            print(f"starting from the weights of {source}", flush=True)
            previous = json.loads((source.parent / METADATA_FILE).read_text()) \
                if (source.parent / METADATA_FILE).exists() else {}
            previous_training = previous.get("training")
            inherited_metadata, inherited_files = inherited_decoding(source.parent, previous)
        total = steps_per_epoch * config.train.epochs
        floor = min(1.0, config.train.min_learning_rate / config.train.learning_rate)
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, max(1, total - config.train.warmup_steps), alpha=floor,
            warmup_target=config.train.learning_rate, warmup_steps=config.train.warmup_steps)
        optimizer = ReplicaClippedAdam(schedule, clipnorm=5.0)
        model.compile(optimizer=optimizer, jit_compile=jit_compile)
        first_epoch, first_step = checkpoint.restore(model)
    if first_epoch or first_step:
        print(f"resuming from the checkpoint at epoch {first_epoch + 1} step {first_step}/{steps_per_epoch} "
              f"(optimizer step {int(model.optimizer.iterations.numpy())})", flush=True)
    groups = sorted({u.group for u in train_utts if u.group})

    def publish(epoch, wer, cer, validated, final=False):
        """Write the model directory (atomically) with what is known so far."""
        metadata = {
            "name": config.train.name, "modality": config.train.modality, "complete": final,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
            "parameters": int(model.count_params()),
            "training": {"manifests": list(config.data.train), "utterances": n_train,
                         **({"hours": round(hours, 2)} if hours is not None else {"points": frames}),
                         "groups": groups, "epochs_planned": config.train.epochs, "best_epoch": epoch,
                         "seconds": round(time.time() - started),
                         **training_stages(previous_training, {
                             "from": str(config.train.init_from or "scratch"),
                             "data": ", ".join(config.data.train), "utterances": n_train,
                             **({"hours": round(hours, 2)} if hours is not None else {}),
                             "epochs": epoch, "learning_rate": config.train.learning_rate,
                             "seconds": round(time.time() - started)})},
            "validation": {"manifests": list(config.data.valid), "utterances": validated,
                           "greedy_wer": round(wer, 4), "greedy_cer": round(cer, 4)},
            **({"int8_grid": {"scheme": int8_weights.SCHEME, "snapped": "before each validation"}}
               if config.train.int8_grid else {}),
            "export": {"tflite": config.train.tflite_variant},
            **inherited_metadata,
        }
        spec = ModelSpec(config.train.modality, features.to_dict(), model_config.to_dict(), vocab, metadata)
        return save_model_dir(Path(config.train.output_dir) / config.train.name, spec, model, extra_files=inherited_files)

    limit = min(config.train.valid_decode_limit, len(valid_utts))
    callbacks = make_callbacks(config, model, valid_ds, vocab, run_dir, steps_per_epoch,
                               lambda epoch, wer, cer: publish(epoch, wer, cer, limit), checkpoint)
    train_ds, _ = training_batches(drop_all, first_epoch=first_epoch)
    fit = dict(callbacks=callbacks, shuffle=False, verbose=1 if sys.stderr.isatty() else 2)
    if first_step and first_epoch < config.train.epochs:  # finish the interrupted epoch first
        model.fit(train_ds.repeat().skip(first_step), steps_per_epoch=steps_per_epoch - first_step,
                  initial_epoch=first_epoch, epochs=first_epoch + 1, **fit)
        first_epoch += 1
        train_ds, _ = training_batches(drop_all, first_epoch=first_epoch)
    if first_epoch < config.train.epochs and not model.stop_training:
        model.fit(train_ds.repeat(), steps_per_epoch=steps_per_epoch, initial_epoch=first_epoch,
                  epochs=config.train.epochs, **fit)

    if (run_dir / "best.weights.h5").exists():
        with warnings.catch_warnings():  # only the network's weights matter here, not the optimizer's
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model.load_weights(run_dir / "best.weights.h5")
    refs, hyps = transcribe_batches(model, valid_ds, vocab)
    wer, cer = error_rates(refs, hyps)
    best = json.loads((run_dir / "best.json").read_text()) if (run_dir / "best.json").exists() else {}
    if not chief:
        return Path(config.train.output_dir) / config.train.name
    out = publish(best.get("epoch"), wer, cer, len(refs), final=True)
    checkpoint.clear()
    print(f"wrote {out}: validation WER {wer:.3f} CER {cer:.3f}")
    return out


def _sharding_options():
    """Split a generator dataset between workers by batch (it has no files to split by)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, help="TOML file (pipelines/configs/*.toml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one config value; repeatable")
    parser.add_argument("--strategy", choices=STRATEGIES,
                        help="tf.distribute strategy (same as --set train.strategy=...)")
    args = parser.parse_args(argv)
    overrides = args.overrides + ([f"train.strategy={args.strategy}"] if args.strategy else [])
    try:
        config = load_config(args.config, overrides)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    train(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
