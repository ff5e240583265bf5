from dataclasses import fields

import pytest

from pipelines.config import _TYPE_CHECKS, DataConfig, TrainConfig


@pytest.mark.parametrize("section", [TrainConfig, DataConfig])
def test_every_field_annotation_has_a_type_check(section):
    # an override of a field whose annotation the table lacks would fail with a KeyError
    # instead of the one-line "must be <type>" error
    for f in fields(section):
        parts = [part.strip() for part in f.type.split("|")]
        assert all(part in _TYPE_CHECKS for part in parts), f"{section.__name__}.{f.name}: {f.type}"
