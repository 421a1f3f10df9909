"""``jingzhun export ledger|monitoring|instant-help FILE [--area CODE]``.

Every export is written to a temporary file and moved into place, and recorded in the access log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.monitoring.ledger_export import instant_help_export, monitoring_ledger_export
from jingzhun.registry.services import ledger_export


class Command(BaseCommand):
    help = "导出贫困人口台账（ledger）、防止返贫监测对象台账（monitoring）或即时帮扶台账（instant-help）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["ledger", "monitoring", "instant-help"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--area", default="", help="只导出该区划代码范围内的户")
        parser.add_argument("--year", type=int, default=None, help="台账：收入年度（默认每户最近一年）")
        parser.add_argument("--all", action="store_true", help="监测台账：包括已办结（风险消除、未纳入）的记录")

    def handle(self, *args: Any, kind: str, file: Path, area: str, year: int | None, all: bool, **options: Any) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if file.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(f"只能导出为 .xlsx 或 .csv：{file.name}", returncode=2)
        if kind == "ledger":
            outcome = ledger_export(path=file, area_prefix=prefix, year=year)
            self.stdout.write(f"已导出 {outcome.households} 户、{outcome.rows} 行到 {outcome.path}")
        elif kind == "monitoring":
            written = monitoring_ledger_export(path=file, area_prefix=prefix, include_closed=all)
            self.stdout.write(f"已导出监测对象 {written.rows} 户到 {written.path}")
        else:
            written = instant_help_export(path=file, area_prefix=prefix)
            self.stdout.write(f"已导出即时帮扶台账 {written.rows} 户到 {written.path}")
