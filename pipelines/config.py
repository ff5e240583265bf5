"""Training configuration: frozen dataclasses loaded from TOML, overridable with ``key=value``."""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class DataConfig:
    train: tuple[str, ...] = ()  # data sources: CSV manifests, folders, tfds:NAME:SPLIT (pipelines.sources)
    valid: tuple[str, ...] = ()
    cache_dir: str = "data/cache"
    tfds_data_dir: str | None = None  # where tensorflow-datasets keeps prepared data
    tfds_manual_dir: str | None = None  # where manually downloaded archives are
    augment_share: float = 0.5  # share of training utterances cached with waveform augmentation
    max_seconds: float = 16.0  # speech: longer utterances are left out
    max_points: int = 6000  # ink: resampled points


@dataclass(frozen=True)
class TrainConfig:
    name: str = "model"
    modality: str = "speech"
    output_dir: str = "saved_models"
    run_dir: str = "runs"
    seed: int = 0
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    min_learning_rate: float = 1e-5
    warmup_steps: int = 300
    patience: int = 5
    spec_augment: bool = True
    jit_compile: bool = False  # XLA: one compiled program per batch shape, 7x the memory and slower here (README)
    valid_decode_limit: int = 300  # utterances decoded for WER/CER each epoch
    init_from: str | None = None  # model directory whose weights start the run (fine-tuning)
    checkpoint_every_steps: int | None = None  # also checkpoint every N steps (not only each epoch)
    int8_grid: bool = False  # snap kernels to the int8 grid before each validation (pipelines.int8_weights)
    strategy: str = "default"  # default (one device), mirrored (all local GPUs/CPUs), multiworker (TF_CONFIG)
    tflite_variant: str = "int8_weights"  # what pipelines.export writes as model.tflite (kept in metadata.json)


@dataclass(frozen=True)
class Config:
    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataConfig = field(default_factory=DataConfig)
    features: dict = field(default_factory=dict)  # FeatureConfig fields
    model: dict = field(default_factory=dict)  # ModelConfig fields except input/vocab sizes
    vocabulary: dict = field(default_factory=dict)  # Vocabulary fields


_TYPE_CHECKS = {  # the field annotations used above (strings: ``from __future__ import annotations``)
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "tuple[str, ...]": lambda v: isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v),
    "None": lambda v: v is None,
}


def _coerce(section_type, values: dict):
    names = {f.name: f for f in fields(section_type)}
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(f"unknown {section_type.__name__} keys: {unknown}")
    for key, value in values.items():
        annotation = names[key].type
        if not any(_TYPE_CHECKS[part.strip()](value) for part in annotation.split("|")):
            raise ValueError(f"{section_type.__name__} {key} must be {annotation}, not {value!r}")
    return section_type(**{k: tuple(v) if isinstance(v, list) else
                           float(v) if names[k].type == "float" else v for k, v in values.items()})


def _parse_value(text: str):
    """An override's value as TOML reads it (``true``, ``3e-4``, ``['a.csv']``), else as a Python
    literal (``True``, ``None``), else the text itself (``epochs=x`` -> the string ``x``)."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def load_config(path: str | Path | None, overrides: list[str] = ()) -> Config:
    """Read a TOML config and apply ``section.key=value`` overrides."""
    data = tomllib.loads(Path(path).read_text()) if path else {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise ValueError(f"override {item!r} is not section.key=value")
        section, name = key.split(".", 1)
        data.setdefault(section, {})[name] = _parse_value(value)
    unknown = sorted(set(data) - {"train", "data", "features", "model", "vocabulary"})
    if unknown:
        raise ValueError(f"unknown config sections: {unknown}")
    return Config(train=_coerce(TrainConfig, data.get("train", {})),
                  data=_coerce(DataConfig, data.get("data", {})),
                  features=dict(data.get("features", {})), model=dict(data.get("model", {})),
                  vocabulary=dict(data.get("vocabulary", {})))


def with_overrides(config: Config, **train_fields) -> Config:
    return replace(config, train=replace(config.train, **train_fields))
