"""``jingzhun benefits gaps --year Y [--area CODE] [--out FILE.csv] [--unentitled] [--catalogue NAME]`` (docs/LEDGER.md
§5) and ``jingzhun benefits catalogue [check FILE]``.

``gaps`` computes a fresh entitlement run of year Y for the whole county (or the area), stores it, and writes every
entitlement without a payment (应享未享) — or, with ``--unentitled``, every payment of Y without an entitlement
(不应享而享) — as CSV (UTF-8, no BOM: a machine format), ordered by benefit, household number, ID number:

``benefit,household_no,id_number,amount``

To standard output without ``--out``. Benefits the catalogue has no amount for in Y are named on standard error.
Exit code 0; 2 for an unusable argument (an unknown area, a broken or unknown catalogue, a year without any benefit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser

from jingzhun.areas.selectors import area_prefix_for_code
from jingzhun.benefits.catalogue import (
    PERIOD_TEXT,
    UNIT_TEXT,
    Catalogue,
    CatalogueError,
    catalogue_check,
    catalogue_directories,
    catalogues_load,
)
from jingzhun.benefits.entitlement_services import catalogue_resolve, entitlements_compute
from jingzhun.benefits.gap_selectors import csv_lines, gaps_for_user, unentitled_for_user
from jingzhun.core.management.batch import BatchCommand
from jingzhun.core.scope import SYSTEM
from jingzhun.spreadsheets.writing import csv_file

HEADER = ("benefit", "household_no", "id_number", "amount")


class Command(BatchCommand):
    help = "政策兑现：应享未享与不应享而享清单（gaps，格式见 docs/LEDGER.md §5）；列出或检查政策目录（catalogue）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        gaps = sub.add_parser("gaps", help="计算某年应享政策，列出应享未享（或 --unentitled：不应享而享）")
        gaps.add_argument("--year", type=int, required=True, help="政策年度")
        gaps.add_argument("--area", default="", help="只计算该区划代码范围内的户（默认全县）")
        gaps.add_argument("--out", default="", help="写入此 CSV 文件（默认输出到标准输出）")
        gaps.add_argument("--unentitled", action="store_true", help="列出没有对应应享政策的发放（不应享而享）")
        gaps.add_argument("--catalogue", default="", help="政策目录名称（默认：当前使用的目录）")
        catalogue = sub.add_parser("catalogue", help="列出可用的政策目录，或检查一个目录文件")
        catalogue.add_argument("check", nargs="?", choices=["check"], help="检查一个目录文件")
        catalogue.add_argument("file", nargs="?", type=Path, help="要检查的目录文件（check）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "catalogue":
            self._catalogue(options.get("check"), options.get("file"))
            return
        self._gaps(
            year=options["year"],
            area=options["area"],
            out=options["out"],
            unentitled=options["unentitled"],
            catalogue_name=options["catalogue"],
        )

    # --- gaps ----------------------------------------------------------------------------------------------

    def _gaps(self, *, year: int, area: str, out: str, unentitled: bool, catalogue_name: str) -> None:
        try:
            prefix = area_prefix_for_code(area) if area else ""
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度「{year}」无效。", returncode=2)
        target: Path | None = None
        if out:
            target = Path(out)
            if target.suffix.lower() != ".csv":
                raise CommandError(f"只能写成 .csv 文件：{target.name}", returncode=2)
        try:
            catalogue = catalogue_resolve(catalogue_name or None)
            run = entitlements_compute(user=SYSTEM, year=year, area_prefix=prefix, catalogue=catalogue)
        except CatalogueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        for code, why in run.skipped.items():
            benefit = catalogue.get(code)
            self.stderr.write(f"未计算 {code} {benefit.name if benefit else ''}：{why}", style_func=lambda t: t)
        rows = unentitled_for_user(user=SYSTEM, run=run) if unentitled else gaps_for_user(user=SYSTEM, run=run)
        what = "不应享而享的发放" if unentitled else "应享未享"
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            with csv_file(target, bom=False) as stream:
                count = self._write(stream, rows)
            self.stderr.write(
                f"{year} 年{what}：{count} 条（应享 {run.entitlements} 条），已写入 {target}", style_func=lambda t: t
            )
        else:
            count = self._write(self.stdout, rows)
            self.stderr.write(f"{year} 年{what}：{count} 条（应享 {run.entitlements} 条）", style_func=lambda t: t)

    def _write(self, stream: TextIO | Any, rows: Any) -> int:
        stream.write(",".join(HEADER) + "\n")
        count = 0
        batch: list[str] = []
        for line in csv_lines(rows):
            batch.append(line)
            if len(batch) == 10000:
                stream.write("\n".join(batch) + "\n")
                count += len(batch)
                batch.clear()
        if batch:
            stream.write("\n".join(batch) + "\n")
            count += len(batch)
        return count

    # --- catalogue -----------------------------------------------------------------------------------------

    def _catalogue(self, check: str | None, file: Path | None) -> None:
        try:
            if check:
                if file is None:
                    raise CommandError(
                        "请给出要检查的目录文件：jingzhun benefits catalogue check 文件.toml", returncode=2
                    )
                self._describe(catalogue_check(file))
                self.stdout.write(
                    "检查通过。放入以下任一目录即可使用：" + "、".join(str(d) for d in catalogue_directories()[1:])
                )
                return
            for catalogue in catalogues_load().values():
                self._describe(catalogue)
        except CatalogueError as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _describe(self, catalogue: Catalogue) -> None:
        parent = f"，继承 {catalogue.extends}" if catalogue.extends else ""
        self.stdout.write(
            f"{catalogue.name}（{catalogue.version}）{catalogue.title}：{len(catalogue.benefits)} 项政策{parent}"
        )
        for benefit in catalogue.benefits.values():
            ours = "（本项目取值，请核定）" if benefit.ours else ""
            self.stdout.write(
                f"  {benefit.code} {benefit.name}｜{catalogue.department_name(benefit.department)}｜"
                f"{UNIT_TEXT[benefit.unit]}｜{PERIOD_TEXT[benefit.period]}｜{benefit.amount.describe()}{ours}"
            )
