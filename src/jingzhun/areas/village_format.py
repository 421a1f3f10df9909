"""Village facts (docs/LEDGER.md §1b) as column specifications."""

from __future__ import annotations

from jingzhun.spreadsheets.cells import Column, int_parser, text_parser, village_code_parser, yes_no_parser

VILLAGE_COLUMNS: tuple[Column, ...] = (
    Column("村代码", "code", "village", village_code_parser, required_header=True),
    Column("行政村", "name", "village", text_parser(100, required=True), required_header=True),
    Column("乡镇", "town_name", "village", text_parser(100)),
    Column("户籍人口", "population", "village", int_parser(0, 10_000_000)),
    Column("西部地区", "west", "village", yes_no_parser()),
    Column("缺水地区", "water_scarce", "village", yes_no_parser()),
    Column("贫困村", "poor_village", "village", yes_no_parser()),
    Column("通硬化路", "paved_road", "village", yes_no_parser()),
    Column("通动力电", "power", "village", yes_no_parser()),
    Column("村卫生室", "clinic", "village", yes_no_parser()),
    Column("集体经济", "collective_economy", "village", yes_no_parser()),
)
