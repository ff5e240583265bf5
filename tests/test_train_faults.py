"""Training survives kill -9 (step checkpoints) and runs on several replicas with the same losses."""

import csv
import json
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SAMPLES


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, sample_rows):
    """The four samples three times over: twelve utterances of three lengths."""
    path = tmp_path_factory.mktemp("data") / "train.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wav_filename", "wav_filesize", "transcript"])
        for wav, text in sample_rows * 3:
            writer.writerow([wav, wav.stat().st_size, text])
    return path


def overrides(tmp_path, manifest, name, **extra):
    values = {"train.name": name, "train.output_dir": tmp_path / "models", "train.run_dir": tmp_path / "runs",
              "train.epochs": 3, "train.batch_size": 1, "train.warmup_steps": 2, "train.jit_compile": False,
              "train.spec_augment": False, "train.valid_decode_limit": 2, "data.train": [str(manifest)],
              "data.valid": [str(SAMPLES / "transcripts.csv")], "data.cache_dir": tmp_path / "cache",
              "data.augment_share": 0.0, "model.conv_filters": 8, "model.lstm_units": 8, "model.lstm_layers": 1,
              "model.dropout": 0.0, **extra}
    args = []
    for key, value in values.items():
        args += ["--set", f"{key}={value!r}" if isinstance(value, list) else f"{key}={value}"]
    return args


def test_kill_9_mid_epoch_then_rerun_resumes(tmp_path, manifest):
    command = [sys.executable, "-m", "pipelines.train",
               *overrides(tmp_path, manifest, "resume", **{"train.checkpoint_every_steps": 3, "train.epochs": 2})]
    state = tmp_path / "runs" / "resume" / "backup" / "state.json"
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 1200
    while not state.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # as hard as a power cut: no handler, no cleanup
    first.wait()
    assert first.returncode == -signal.SIGKILL
    saved = json.loads(state.read_text())
    steps_per_epoch = int((tmp_path / "first.log").read_text().split("step 1/")[1].split()[0]) \
        if "step 1/" in (tmp_path / "first.log").read_text() else None
    assert saved["epoch"] * 100 + saved["step"] > 0  # something was done and saved

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1500)  # slow when CPUs are busy
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    resumed = [line for line in again.stdout.splitlines() if line.startswith("resuming from the checkpoint")]
    assert resumed, again.stdout[-2000:]
    epoch, step = saved["epoch"], saved["step"]
    if steps_per_epoch and step >= steps_per_epoch:
        epoch, step = epoch + 1, 0
    assert resumed[0].startswith(f"resuming from the checkpoint at epoch {epoch + 1} step {step}/")
    optimizer_step = int(resumed[0].rsplit("optimizer step ", 1)[1].rstrip(")"))
    assert optimizer_step == int(saved["weights"].split("-")[1].split(".")[0]) > 0
    metadata = json.loads((tmp_path / "models" / "resume" / "metadata.json").read_text())
    assert metadata["complete"]
    assert not (tmp_path / "runs" / "resume" / "backup").exists()  # finished: the next run starts afresh
    history = (tmp_path / "runs" / "resume" / "history.csv").read_text().splitlines()
    epochs = [int(line.split(",")[0]) for line in history if line[:1].isdigit()]
    assert epochs[-1] == 1 and sorted(set(epochs)) == [0, 1]  # every epoch ran, none twice after resuming


MIRRORED_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from pipelines.config import load_config
from pipelines.train import ReplicaClippedAdam, make_strategy, train
from recognizer.model import ModelConfig, build_model

rng = np.random.default_rng(0)
x = {"features": rng.normal(size=(4, 60, 26)).astype(np.float32), "lengths": np.array([60, 50, 40, 30], np.int32)}
y = {"labels": rng.integers(1, 28, size=(4, 8)).astype(np.int32), "label_lengths": np.array([8, 6, 5, 4], np.int32)}

def run(strategy):
    keras.utils.set_random_seed(0)
    losses = []
    with strategy.scope():
        model = build_model(ModelConfig(26, 29, conv_filters=8, lstm_units=8, lstm_layers=1, dropout=0.0))
        model.compile(optimizer=ReplicaClippedAdam(1e-2, clipnorm=1.0), jit_compile=False)  # clipping active
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: losses.append(float(logs["loss"])))
    model.fit(tf.data.Dataset.from_tensors((x, y)).repeat(5), epochs=1, verbose=0, callbacks=[record])
    return losses, model.get_weights()

one, w1 = run(make_strategy("default"))
two, w2 = run(make_strategy("mirrored"))
print(json.dumps({"one": one, "two": two, "weights": max(float(np.abs(a - b).max()) for a, b in zip(w1, w2))}))
args = json.loads(sys.argv[1])
train(load_config(None, [a for a in args if a != "--set"]))
"""


def test_mirrored_on_two_devices_matches_one_device(tmp_path, manifest):
    args = overrides(tmp_path, manifest, "mirrored", **{"train.batch_size": 4, "train.epochs": 1,
                                                         "train.strategy": "mirrored"})
    result = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT, json.dumps(args)], cwd=ROOT,
                            capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    print(figures)
    assert len(figures["one"]) == 5 and figures["one"][-1] < figures["one"][0]  # it learns
    assert figures["two"] == pytest.approx(figures["one"], rel=1e-4)  # the same loss, step by step
    assert figures["weights"] < 1e-4
    # the training command itself on two replicas
    assert "training on 2 replicas (mirrored)" in result.stdout
    assert json.loads((tmp_path / "models" / "mirrored" / "metadata.json").read_text())["complete"]
