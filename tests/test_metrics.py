import pytest

from pipelines.metrics import error_rates


def test_error_rates():
    assert error_rates(["a b c", "d"], ["a x c", "d"]) == (0.25, pytest.approx(1 / 6))
    assert error_rates([""], ["x"]) == (0.0, 0.0)
