"""``jingzhun export ledger FILE [--area CODE] [--year Y]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.registry.services import ledger_export


class Command(BaseCommand):
    help = "导出贫困人口台账（与导入格式相同）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["ledger"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--area", default="", help="只导出该区划代码范围内的户")
        parser.add_argument("--year", type=int, default=None, help="收入年度（默认每户最近一年）")

    def handle(self, *args: Any, kind: str, file: Path, area: str, year: int | None, **options: Any) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if file.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(f"只能导出为 .xlsx 或 .csv：{file.name}", returncode=2)
        outcome = ledger_export(path=file, area_prefix=prefix, year=year)
        self.stdout.write(f"已导出 {outcome.households} 户、{outcome.rows} 行到 {outcome.path}")
