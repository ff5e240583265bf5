"""Model directories on disk: ``config.json`` + ``model.weights.h5`` + ``metadata.json``.

Loading rebuilds the network from the JSON config and reads plain weights: no pickled
code is ever executed.  Directories are written to a temporary sibling and renamed into
place, so a crash never leaves a half-written model that loads.

A single ``.keras`` file is accepted too when it was written by :func:`save_keras_file`
(a Keras archive with this package's ``recognizer.json`` inside); it is loaded with Keras
``safe_mode``, so a ``Lambda`` layer (arbitrary Python code) is refused.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from recognizer.frontend import MODALITIES, feature_config
from recognizer.vocab import Vocabulary

FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
KERAS_SUFFIX = ".keras"
KERAS_SPEC_ENTRY = "recognizer.json"  # our config + metadata inside a .keras archive
MODELS_DIR = Path(__file__).resolve().parent.parent / "saved_models"


class ModelLoadError(ValueError):
    """A model directory that cannot be used (the message says why)."""


@dataclass(frozen=True)
class ModelSpec:
    """Everything but the weights: what the model reads, how it is built, what it writes."""

    modality: str  # "speech" or "ink"
    features: dict
    model: dict
    vocabulary: Vocabulary
    metadata: dict = field(default_factory=dict)

    @property
    def feature_config(self):
        """:class:`FeatureConfig` for speech, :class:`InkFeatureConfig` for ink."""
        return feature_config(self.modality, self.features)

    def to_json(self) -> dict:
        return {"format_version": FORMAT_VERSION, "modality": self.modality,
                "features": self.features, "model": self.model,
                "vocabulary": self.vocabulary.to_dict()}


def resolve_model_path(name_or_path: str | Path) -> Path:
    """A bundled model name (``speech-en``), a directory path or a ``.keras`` file."""
    path = Path(name_or_path)
    if path.is_dir() or (path.suffix == KERAS_SUFFIX and path.is_file()):
        return path
    bundled = MODELS_DIR / str(name_or_path)
    if bundled.is_dir():
        return bundled
    raise ModelLoadError(f"model not found: {name_or_path} (neither a directory nor a bundled model)")


def _read_keras_entry(path: Path) -> tuple[dict, dict]:
    """(config, metadata) stored in a .keras archive by :func:`save_keras_file`."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            if KERAS_SPEC_ENTRY not in archive.namelist():
                raise ModelLoadError(f"{path}: not a recognizer model (a .keras file needs the {KERAS_SPEC_ENTRY} "
                                     f"that recognizer.model_dir.save_keras_file writes)")
            data = json.loads(archive.read(KERAS_SPEC_ENTRY))
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelLoadError(f"{path}: not a readable .keras archive ({error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelLoadError(f"{path}: invalid {KERAS_SPEC_ENTRY} ({error})") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: invalid {KERAS_SPEC_ENTRY}")
    return data.get("config", {}), data.get("metadata", {})


def read_spec(directory: str | Path) -> ModelSpec:
    """Parse and validate ``config.json`` (and ``metadata.json`` if present)."""
    directory = resolve_model_path(directory)
    if directory.suffix == KERAS_SUFFIX and directory.is_file():
        data, metadata = _read_keras_entry(directory)
        return _validated_spec(data, metadata, directory)
    config_path = directory / CONFIG_FILE
    try:
        data = json.loads(config_path.read_text())
    except FileNotFoundError:
        raise ModelLoadError(f"{directory}: no {CONFIG_FILE}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelLoadError(f"{config_path}: invalid JSON ({error})") from None
    metadata = {}
    metadata_path = directory / METADATA_FILE
    if metadata_path.exists():
        try:
            metadata = json.loads(metadata_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            metadata = {}
    return _validated_spec(data, metadata, config_path)


def _validated_spec(data, metadata, config_path: Path) -> ModelSpec:
    if not isinstance(data, dict):
        raise ModelLoadError(f"{config_path}: malformed config (not a JSON object)")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelLoadError(f"{config_path}: format_version {version!r} is not supported by this "
                             f"version (supports <= {FORMAT_VERSION}); upgrade the package")
    try:
        vocab = Vocabulary.from_dict(data["vocabulary"])
        spec = ModelSpec(data["modality"], data["features"], data["model"], vocab,
                         metadata if isinstance(metadata, dict) else {})
    except (KeyError, TypeError, ValueError) as error:
        raise ModelLoadError(f"{config_path}: malformed config ({error})") from None
    if spec.modality not in MODALITIES:
        raise ModelLoadError(f"{config_path}: unknown modality {spec.modality!r}")
    if not isinstance(spec.model, dict) or spec.model.get("vocab_size") != vocab.size:
        raise ModelLoadError(f"{config_path}: alphabet has {vocab.size} classes but the model outputs "
                             f"{spec.model.get('vocab_size') if isinstance(spec.model, dict) else '?'}")
    return spec


def load_keras_model(directory: str | Path):
    """(spec, built Keras model with weights) from a model directory."""
    from recognizer.model import ModelConfig, build_model

    directory = resolve_model_path(directory)
    spec = read_spec(directory)
    if directory.suffix == KERAS_SUFFIX and directory.is_file():
        return spec, _load_keras_file(directory, spec)
    try:
        model = build_model(ModelConfig.from_dict(spec.model))
    except (TypeError, ValueError) as error:
        raise ModelLoadError(f"{directory}: cannot build model ({error})") from None
    weights = directory / WEIGHTS_FILE
    if not weights.exists():
        raise ModelLoadError(f"{directory}: no {WEIGHTS_FILE}")
    try:
        model.load_weights(weights)
    except Exception as error:  # h5py/keras raise many types for damaged files
        raise ModelLoadError(f"{weights}: cannot read weights ({_first_line(error)})") from None
    return spec, model


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _load_keras_file(path: Path, spec: ModelSpec):
    """The model of a .keras archive, loaded with Keras safe_mode (no Lambda, no pickled code)."""
    import keras

    from recognizer.model import CTCRecognizerModel, ModelConfig

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:
        if "Lambda" in str(error) or "safe_mode" in str(error):
            raise ModelLoadError(f"{path}: refused: it holds a Lambda layer (arbitrary Python code), "
                                 f"which Keras safe_mode does not load") from None
        raise ModelLoadError(f"{path}: cannot load the .keras file ({_first_line(error)})") from None
    if not isinstance(model, CTCRecognizerModel) or model.config != ModelConfig.from_dict(spec.model):
        raise ModelLoadError(f"{path}: the network in the .keras file is not the one its {KERAS_SPEC_ENTRY} "
                             f"describes")
    return model


def _model_only(model):
    """A copy without optimizer state (a compiled model's save_weights also writes the
    optimizer's moments, tripling the file)."""
    if getattr(model, "optimizer", None) is None:
        return model
    from recognizer.model import build_model

    clean = build_model(model.config)
    clean.set_weights(model.get_weights())
    return clean


def save_model_dir(directory: str | Path, spec: ModelSpec, model, extra_files: dict | None = None) -> Path:
    """Write config, weights and metadata atomically (temp dir + rename); returns the path."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        (tmp / CONFIG_FILE).write_text(json.dumps(spec.to_json(), indent=2) + "\n")
        (tmp / METADATA_FILE).write_text(json.dumps(spec.metadata, indent=2) + "\n")
        _model_only(model).save_weights(tmp / WEIGHTS_FILE)
        for name, content in (extra_files or {}).items():
            (tmp / name).write_bytes(content if isinstance(content, bytes) else str(content).encode())
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def save_keras_file(path: str | Path, spec: ModelSpec, model) -> Path:
    """One ``.keras`` archive (Keras format plus ``recognizer.json``), written atomically."""
    import zipfile

    path = Path(path)
    if path.suffix != KERAS_SUFFIX:
        raise ValueError(f"{path}: a .keras file name must end in {KERAS_SUFFIX}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{KERAS_SUFFIX}")
    try:
        _model_only(model).save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(KERAS_SPEC_ENTRY, json.dumps({"config": spec.to_json(), "metadata": spec.metadata}))
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
