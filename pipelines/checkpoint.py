"""Fault-tolerant training: step checkpoints (weights + optimizer state) and restore.

``runs/<name>/backup`` holds ``ckpt-<step>.weights.h5`` (written by a compiled model, so the
optimizer's moments and iteration count are in it) and ``state.json`` naming it with the
epoch and the steps done in that epoch.  Each file is written under a temporary name and
renamed, and ``state.json`` only ever names a complete checkpoint, so a kill at any moment
(even mid-write) leaves the previous checkpoint usable.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import keras

STATE_FILE = "state.json"


class StepCheckpoint(keras.callbacks.Callback):
    """Save every ``every_steps`` training steps (if set) and at every epoch end."""

    def __init__(self, directory: str | Path, steps_per_epoch: int, every_steps: int | None = None,
                 writer: bool = True):
        super().__init__()
        self.directory, self.steps_per_epoch = Path(directory), steps_per_epoch
        self.every_steps, self.writer = every_steps, writer  # writer: False on non-chief workers
        self.epoch, self.offset = 0, 0  # steps already done in the epoch being resumed

    def restore(self, model) -> tuple[int, int]:
        """Load the last checkpoint into ``model`` (built and compiled); returns (epoch, steps
        done in it), (0, 0) when there is none."""
        state_path = self.directory / STATE_FILE
        if not state_path.exists():
            return 0, 0
        state = json.loads(state_path.read_text())
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(self.directory / state["weights"])
        epoch, step = int(state["epoch"]), int(state["step"])
        if step >= self.steps_per_epoch:
            epoch, step = epoch + 1, 0
        self.epoch, self.offset = epoch, step
        return epoch, step

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = self.offset + batch + 1
        done = self.epoch * self.steps_per_epoch + step
        if self.every_steps and done % self.every_steps == 0 and step < self.steps_per_epoch:
            self.save(self.epoch, step)

    def on_epoch_end(self, epoch, logs=None):
        self.offset = 0
        self.save(epoch + 1, 0)

    def save(self, epoch: int, step: int) -> None:
        if not self.writer:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"ckpt-{epoch * self.steps_per_epoch + step}.weights.h5"
        partial = self.directory / f".partial-{name}"
        self.model.save_weights(partial)
        os.replace(partial, self.directory / name)
        tmp = self.directory / f".{STATE_FILE}"
        tmp.write_text(json.dumps({"epoch": epoch, "step": step, "weights": name}))
        os.replace(tmp, self.directory / STATE_FILE)
        for old in self.directory.glob("*.weights.h5"):
            if old.name != name:
                old.unlink(missing_ok=True)

    def clear(self) -> None:
        """Forget the checkpoints (the run finished: the same command then starts afresh)."""
        if self.writer:
            shutil.rmtree(self.directory, ignore_errors=True)
