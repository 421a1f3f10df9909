"""The indicator bank (data/indicators.toml): 60 indicators whose weights add up to 100; a broken bank refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jingzhun.projects.datafiles import BUILTIN_DIR, DataFileError, indicator_bank_load

SHIPPED = BUILTIN_DIR / "indicators.toml"


def test_the_shipped_bank_has_60_indicators_weighing_100_in_ten_dimensions():
    bank = indicator_bank_load(SHIPPED)
    assert len(bank.indicators) == 60
    assert bank.total == Decimal(100)
    assert len(bank.dimensions()) == 10
    assert bank.town_supervision_threshold > 0
    assert len(bank.label) <= 100


def test_weights_that_do_not_add_up_to_100_are_refused(tmp_path: Path):
    path = tmp_path / "indicators.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("weight = 3\n", "weight = 4\n", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match="合计为 101，应为 100"):
        indicator_bank_load(path)


def test_a_broken_indicator_is_named(tmp_path: Path):
    path = tmp_path / "indicators.toml"
    path.write_text(
        '[bank]\nname = "x"\nversion = "1"\ntown_supervision_threshold = 0\n'
        '[[indicator]]\ncode = "A 1"\ndimension = "d"\ntext = "t"\nweight = 0.005\nevidence = "e"\nextra = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as refused:
        indicator_bank_load(path)
    message = str(refused.value)
    for expected in (
        "town_supervision_threshold 应为正整数",
        "code「A 1」无效",
        "weight 最多两位小数",
        "不认识的字段 extra",
    ):
        assert expected in message
