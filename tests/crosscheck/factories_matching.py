"""Department batches and rows for the matching tests, built directly (no file import)."""

from __future__ import annotations

import datetime as dt
import itertools

from jingzhun.core.idnumber import InvalidIdNumber, check_character, parse
from jingzhun.crosscheck.models import Batch, Department, Row

_row_no = itertools.count(2)


def batch_make(*, department: str = Department.EDUCATION, as_of: dt.date = dt.date(2025, 6, 30)) -> Batch:
    return Batch.objects.create(department=department, as_of=as_of, file_name="list.xlsx", sha256="0" * 64)


def row_make(*, batch: Batch, name: str, id_raw: str) -> Row:
    """A row as the import stores it: ``id_number``, birth date and sex filled only from a valid number."""
    try:
        parsed = parse(id_raw, today=dt.date(2025, 6, 30))
    except InvalidIdNumber:
        return Row.objects.create(batch=batch, row_no=next(_row_no), name=name, id_raw=id_raw)
    return Row.objects.create(
        batch=batch,
        row_no=next(_row_no),
        name=name,
        id_raw=id_raw,
        id_number=parsed.number,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
    )


def typo(number: str, position: int) -> str:
    """``number`` with the digit at ``position`` (0-based) changed (never into the same digit)."""
    digit = number[position]
    new = "0123456789"[(int(digit) + 3) % 10] if digit.isdigit() else "1"
    return number[:position] + new + number[position + 1 :]


def swap(number: str, position: int) -> str:
    """``number`` with the characters at ``position`` and ``position + 1`` swapped."""
    chars = list(number)
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    return "".join(chars)


def id_number(region: str, born: dt.date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
