from pipelines.parallel import parallel_map


def square(x):
    return x * x


def test_parallel_map_keeps_order_and_reports(capsys):
    assert parallel_map(square, list(range(7)), "sq", workers=2, every=3) == [x * x for x in range(7)]
    assert capsys.readouterr().err.splitlines() == ["sq: 3/7", "sq: 6/7", "sq: 7/7"]
    assert parallel_map(square, [2, 3], "one", workers=1) == [4, 9]
