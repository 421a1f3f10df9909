"""Column headers of the files the generator writes (docs/LEDGER.md §1 and §1b), in output order."""

from __future__ import annotations

from jingzhun.areas.village_format import VILLAGE_COLUMNS
from jingzhun.registry.ledger_format import LEDGER_COLUMNS

# The formats are declared once, with the import (docs/LEDGER.md §1 and §1b); the generator writes their headers in
# declaration order: the household prefix (户编号, 村代码, 行政村), the member columns, the household suffix.
LEDGER_HEADERS = tuple(c.header for c in LEDGER_COLUMNS)
MEMBER_COLUMNS = tuple(c.header for c in LEDGER_COLUMNS if c.level == "member")
COLUMN = {header: i for i, header in enumerate(LEDGER_HEADERS)}
VILLAGE_HEADERS = tuple(c.header for c in VILLAGE_COLUMNS)
# Rows are built as prefix + member cells + suffix, so the member columns must be one contiguous run.
if LEDGER_HEADERS[3 : 3 + len(MEMBER_COLUMNS)] != MEMBER_COLUMNS:
    raise ImportError("the ledger's member columns must follow 户编号, 村代码, 行政村 without a gap")

# The dirty report: where each injected fault is and what it was. 行号 is the spreadsheet row number of the
# ledger file (the header is row 1). 类别 "error": the import must reject the household; "format": the value
# is valid after trimming / NFKC / 15→18 conversion and the import must accept it.
REPORT_HEADERS = ("行号", "户编号", "列", "类别", "问题类型", "原值", "注入值", "说明")
