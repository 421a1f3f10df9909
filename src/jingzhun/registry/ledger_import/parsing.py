"""Pass 1, the per-row work: a chunk of cells parsed into typed staging rows, errors and warnings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import Any

from django.db import connection

from jingzhun.core import idnumber
from jingzhun.spreadsheets.cells import CellError, Column
from jingzhun.spreadsheets.reading import LossyNumber, clean_cell

from ..ledger_format import INCOME_AMOUNT_FIELDS
from .base import ImportBase, NearMisses

# Columns whose values are mostly distinct: caching their parse would only cost memory.
_UNCACHED_FIELDS = {"household_no", "name", "id_number", "phone"}
# A blank or zero amount, as parsed (Decimal("0.00") == 0) or as staged into SQLite (0).
_NO_AMOUNT = frozenset({None, 0})
_CACHE_LIMIT = 4096
_MISSING = object()


def _sqlite_value(value: Any) -> Any:
    """A parsed value in the form SQLite stores it, so that the driver binds it directly (for a type it has
    no native binding for, it looks up an adapter for every value) and SQLite converts nothing.

    Django binds a Decimal as its text, which the ``decimal`` column's NUMERIC affinity turns into an
    INTEGER when the value is whole ("2379.00" is stored as 2379) and into a REAL otherwise: the same
    numbers are bound here, which saves SQLite parsing the text of every amount.
    """
    if value.__class__ is Decimal:
        return int(value) if value == value.to_integral_value() else float(value)
    if value.__class__ is bool:
        return int(value)
    return value


class ChunkParsing(ImportBase):
    def _chunk_parser(
        self, near_misses: NearMisses, split_at: int | None = None
    ) -> Callable[[list[tuple[int, list[str]]]], tuple[list[Any], ...]]:
        """A function that parses a chunk of rows into (members, households, errors, warnings) to stage.

        Household columns are parsed on a household's first row only, and again on a later row only
        where its raw household cells differ from the first row's (the whole-file check then names the
        column). Member cells are parsed column by column: a closed vocabulary or a small number is parsed
        once per distinct text and then looked up, so most cells cost one dictionary lookup done in C.
        Household rows (a third of the rows, thirty cells each, many of them amounts seen once) are parsed
        row by row with the same per-column caches, which measured faster than column by column: the cells
        are looked up in one ``map`` and only the misses parsed.
        """
        width = len(self.table.headers)
        household_columns = [(i, c) for i, c in self.columns if c.household_level]
        member_columns = [(i, c) for i, c in self.columns if not c.household_level]
        # A tuple of the household cells: there are at least four (the required household headers).
        household_cells = itemgetter(*(i for i, _ in household_columns))
        household_key = household_cells
        if split_at is not None:  # the household cells before split_at, and the rest of the line as one text
            household_key = itemgetter(*(i for i, _ in household_columns if i < split_at), split_at)
        today = self.today
        to_sqlite = connection.vendor == "sqlite"
        mask = idnumber.mask
        region_known = idnumber.region_known
        caches: dict[str, dict[str, Any] | None] = {
            c.field: None if c.field in _UNCACHED_FIELDS else {} for _, c in self.columns
        }
        bad_texts: dict[str, set[str]] = {c.field: set() for _, c in self.columns}
        birth_memo: dict[str, Any] = {}
        state: dict[str, Any] = {"raw_no": None, "first_raw": None, "key": None, "household_no": None}
        household_no_column = household_columns[0][1]
        errors: list[Any] = []
        warnings: list[Any] = []

        def parse_cell(column: Column, text: str) -> Any:
            """The value, or a CellError carrying the Chinese reason."""
            try:
                value = column.parse(clean_cell(text))
            except CellError as exc:
                return exc.with_traceback(None)  # a cached error must not keep the chunk's frames alive
            return _sqlite_value(value) if to_sqlite else value

        def parse_column(column: Column, texts: list[str], row_nos: list[int], household_nos: list[Any]) -> list[Any]:
            cache, bad = caches[column.field], bad_texts[column.field]
            if cache is None:
                values = [parse_cell(column, t) for t in texts]
                invalid = any(v.__class__ is CellError for v in values)
            else:
                values = list(map(cache.get, texts, repeat(_MISSING, len(texts))))
                invalid = bool(bad) and not bad.isdisjoint(texts)
                if _MISSING in values:
                    for k in [k for k, v in enumerate(values) if v is _MISSING]:
                        value = values[k] = parse_cell(column, texts[k])
                        if value.__class__ is CellError:
                            invalid = True
                            bad.add(texts[k])
                        if len(cache) < _CACHE_LIMIT:
                            cache[texts[k]] = value
            if not invalid:
                return values
            for k, value in enumerate(values):
                if value.__class__ is CellError:
                    errors.append((row_nos[k], household_nos[k] or "", column.header, clean_cell(texts[k]), str(value)))
                    values[k] = None
            return values

        # Household cells go through the column caches in one C-level map; only the misses (the household
        # number, the phone, amounts seen for the first time: about four cells of thirty) are parsed in
        # Python. A column that is never cached gets an empty dictionary that stays empty.
        household_list = [c for _, c in household_columns]
        household_caches = [caches[c.field] or {} for c in household_list]
        cacheable = [caches[c.field] is not None for c in household_list]
        all_missing = [_MISSING] * len(household_list)
        field_positions = {c.field: n for n, c in enumerate(household_list)}
        year_pos = field_positions.get("year_registered")
        exit_pos = field_positions.get("year_exited")
        income_year_pos = field_positions.get("income_year")
        amount_positions = [field_positions[f] for f in INCOME_AMOUNT_FIELDS if f in field_positions]
        amounts_of = itemgetter(*amount_positions) if len(amount_positions) > 1 else None
        household_errors = False  # has any household cell failed to parse yet

        def parse_household(row_no: int, raw: tuple[str, ...], household_no: str) -> tuple[Any, ...]:
            nonlocal household_errors
            values = list(map(dict.get, household_caches, raw, all_missing))
            for _ in range(values.count(_MISSING)):
                k = values.index(_MISSING)
                value = values[k] = parse_cell(household_list[k], raw[k])
                if cacheable[k] and len(household_caches[k]) < _CACHE_LIMIT:
                    household_caches[k][raw[k]] = value
                if value.__class__ is CellError:
                    household_errors = True
            if household_errors:
                for k, value in enumerate(values):
                    if value.__class__ is CellError:
                        column = household_list[k]
                        errors.append((row_no, household_no, column.header, clean_cell(raw[k]), str(value)))
                        values[k] = None
            if year_pos is not None and exit_pos is not None:
                registered, exited = values[year_pos], values[exit_pos]
                if registered and exited and exited < registered:
                    errors.append((row_no, household_no, "脱贫年度", str(exited), f"脱贫年度早于识别年度 {registered}"))
            if amount_positions and not (
                _NO_AMOUNT.issuperset(amounts_of(values)) if amounts_of else values[amount_positions[0]] in _NO_AMOUNT
            ):
                if income_year_pos is None:
                    errors.append((row_no, household_no, "收入年度", "", "文件中有收入金额列，但缺少“收入年度”列"))
                elif values[income_year_pos] is None:
                    errors.append((row_no, household_no, "收入年度", "", "填写了收入金额，但没有填写收入年度"))
            return (row_no, hash(tuple(values)), *values)

        def parse_ids(
            texts: list[str], row_nos: list[int], household_nos: list[Any], column: Column
        ) -> list[list[Any]]:
            numbers: list[Any] = []
            birth_dates: list[Any] = []
            sexes: list[Any] = []
            cleaned = [t if t.__class__ is LossyNumber else clean_cell(t) for t in texts]
            # The parser reads the cells as written, not NFKC-normalised like the others: NFKC would make ① or
            # ¹ a digit, which the parser refuses by name (full-width digits it folds itself).
            for k, (text, parsed) in enumerate(
                zip(cleaned, idnumber.parse_many(texts, today=today, births=birth_memo), strict=True)
            ):
                # A number Excel kept as a float lost its last digits: refused even when what is left happens to
                # pass the check character (about one in eleven), since it is then someone else's number.
                if parsed.__class__ is not idnumber.IdNumber or text.__class__ is LossyNumber:
                    if not text:
                        reason = "不能为空"
                    elif text.__class__ is LossyNumber:
                        reason = "证件号码被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写"
                    else:
                        reason = str(parsed)
                        if parsed.__class__ is idnumber.CheckCharacterError and household_nos[k]:
                            reason += near_misses(row_nos[k], household_nos[k], text)
                        if not texts[k].isascii():  # shown as written: the reason may name a character
                            text = texts[k].strip()  # that NFKC changed
                    errors.append((row_nos[k], household_nos[k] or "", column.header, text, reason))
                    numbers.append(None)
                    birth_dates.append(None)
                    sexes.append(None)
                    continue
                numbers.append(parsed.number)
                birth_dates.append(parsed.birth_date.isoformat())
                sexes.append(parsed.sex)
                if parsed.converted_from_15:
                    warnings.append(
                        (
                            row_nos[k],
                            household_nos[k] or "",
                            column.header,
                            mask(parsed.number),
                            "15 位旧证件号码已转换为 18 位",
                        )
                    )
                if not region_known(parsed.region):
                    warnings.append(
                        (
                            row_nos[k],
                            household_nos[k] or "",
                            column.header,
                            mask(parsed.number),
                            f"地区码 {parsed.region} 不在行政区划代码表中（可能是已撤销的旧代码），已照常导入",
                        )
                    )
            return [numbers, birth_dates, sexes]

        def parse_chunk(chunk: list[tuple[int, list[str]]]) -> tuple[list[Any], ...]:
            nonlocal errors, warnings
            errors, warnings = [], []
            row_nos: list[int] = []
            rows: list[list[str]] = []
            household_nos: list[Any] = []
            households: list[Any] = []
            raw_no, first_raw, first_key = state["raw_no"], state["first_raw"], state["key"]
            household_no = state["household_no"]
            for row_no, cells in chunk:
                key = None
                if split_at is not None:  # cells after split_at are one text: compare it before splitting it
                    if len(cells) <= split_at:
                        cells = cells + [""] * (split_at + 1 - len(cells))
                    key = household_key(cells)
                    if key == first_key:  # the household's cells exactly as on its first row
                        row_nos.append(row_no)
                        rows.append(cells)
                        household_nos.append(household_no)
                        continue
                    cells = [*cells[:split_at], *cells[split_at].split(",")]
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                raw = household_cells(cells)
                if raw[0] != raw_no:
                    if not raw[0].strip() and not any(c.strip() for c in cells):
                        continue  # a row of spaces only
                    number = parse_cell(household_no_column, raw[0])
                    raw_no, first_raw, first_key = raw[0], raw, key
                    household_no = None if number.__class__ is CellError else number
                    households.append(parse_household(row_no, raw, household_no or ""))
                elif raw != first_raw:
                    households.append(parse_household(row_no, raw, household_no or ""))
                row_nos.append(row_no)
                rows.append(cells)
                household_nos.append(household_no)
            state.update(raw_no=raw_no, first_raw=first_raw, key=first_key, household_no=household_no)
            columns: list[list[Any]] = [row_nos, household_nos]
            for index, column in member_columns:
                texts = list(map(itemgetter(index), rows))
                if column.field == "id_number":
                    columns.extend(parse_ids(texts, row_nos, household_nos, column))
                else:
                    columns.append(parse_column(column, texts, row_nos, household_nos))
            return list(zip(*columns, strict=True)), households, errors, warnings

        return parse_chunk
