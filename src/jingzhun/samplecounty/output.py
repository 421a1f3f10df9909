"""Streaming table files: CSV (UTF-8 with BOM) or .xlsx (openpyxl write-only), chosen by extension.

Rows go straight to disk, so memory does not grow with the number of rows. A table is written to
``<name>.part`` and renamed into place only when complete: an interrupted run leaves no half-written file
under the final name.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

SUFFIXES = (".csv", ".xlsx")


class TableWriter:
    def __init__(self, path: Path, headers: Sequence[str], *, sheet: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".part")
        self.xlsx = path.suffix.lower() == ".xlsx"
        self.done = False
        if self.xlsx:
            from openpyxl import Workbook  # only when asked for: it is slower to import than csv

            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet(sheet)
            self.sheet.append(list(headers))
        else:
            self.file = open(self.partial, "w", encoding="utf-8-sig", newline="", buffering=1 << 20)  # noqa: SIM115
            self.csv = csv.writer(self.file)
            self.csv.writerow(headers)

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        if self.xlsx:
            for row in rows:
                self.sheet.append([None if value == "" else value for value in row])
        else:
            self.csv.writerows(rows)

    def commit(self) -> None:
        if self.xlsx:
            self.workbook.save(self.partial)
        else:
            self.file.close()
        os.replace(self.partial, self.path)
        self.done = True

    def abort(self) -> None:
        if self.done:
            return
        if self.xlsx:
            with contextlib.suppress(Exception):  # saving is what removes openpyxl's own temporary files
                self.workbook.save(self.partial)
        else:
            self.file.close()
        self.partial.unlink(missing_ok=True)
