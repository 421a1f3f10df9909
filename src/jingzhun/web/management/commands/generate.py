"""``jingzhun generate``: write a sample county's household ledger and village facts (no database needed)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.samplecounty import DEFAULT_COUNTY_CODE, GenerateError, generate
from jingzhun.samplecounty.department_lists import DEPARTMENTS, department_lists


class Command(BaseCommand):
    help = (
        "生成示例县的贫困人口台账（每个成员一行）和村情表；--dirty 时注入常见数据问题并列出清单。"
        "同一 --seed 生成的内容相同。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="户数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument("--out", type=Path, required=True, help="台账文件，.csv 或 .xlsx")
        parser.add_argument(
            "--dirty", action="store_true", help="注入约 2%% 户的数据问题，清单写入 <名>.dirty-report.csv"
        )
        parser.add_argument("--year", type=int, default=2020, help="收入年度（默认 2020）")
        parser.add_argument(
            "--county-code", default=DEFAULT_COUNTY_CODE, help=f"县级区划代码（默认 {DEFAULT_COUNTY_CODE}）"
        )
        parser.add_argument("--dirty-rate", type=float, default=0.02, help="注入问题的户的比例（默认 0.02）")
        parser.add_argument(
            "--departments",
            type=Path,
            metavar="DIR",
            help="另在 DIR 中生成各部门数据（每部门一个 CSV）及其真值（DIR/truth/），须为 .csv 台账且不加 --dirty",
        )
        parser.add_argument("--department-rows", type=int, help="每个部门名单的行数（默认按台账成员自然生成）")
        parser.add_argument("--department-keys", help=f"只生成这些部门，逗号分隔（默认全部：{','.join(DEPARTMENTS)}）")
        parser.add_argument("--department-fault-rate", type=float, default=0.03, help="部门名单中有问题的行的比例")
        parser.add_argument("--outsiders-rate", type=float, default=0.05, help="部门名单中非建档立卡人员的比例")

    def handle(self, *args, households, seed, out, dirty, year, county_code, dirty_rate, **options):
        started = time.perf_counter()
        keys = DEPARTMENTS
        if options["departments"]:
            if dirty or out.suffix.lower() != ".csv":
                raise CommandError("--departments 需要 .csv 台账，且不能与 --dirty 同用")
            if options["department_keys"]:
                keys = tuple(k.strip() for k in options["department_keys"].split(",") if k.strip())
                unknown = sorted(set(keys) - set(DEPARTMENTS))
                if unknown:
                    raise CommandError(f"未知部门：{'、'.join(unknown)}（可用：{'、'.join(DEPARTMENTS)}）")
        try:
            with _progress(households, enabled=options["verbosity"] > 0) as progress:
                summary = generate(
                    households=households,
                    seed=seed,
                    out=out,
                    dirty=dirty,
                    year=year,
                    county_code=county_code,
                    dirty_rate=dirty_rate,
                    progress=progress,
                )
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        lists = None
        if options["departments"]:
            lists = department_lists(
                out,
                options["departments"],
                seed,
                rows_per_list=options["department_rows"],
                fault_rate=options["department_fault_rate"],
                outsiders_rate=options["outsiders_rate"],
                departments=keys,
                as_of=dt.date(year, 12, 31),
            )
        seconds = time.perf_counter() - started
        if options["verbosity"] == 0:
            return
        outputs = summary.outputs
        lines = [
            f"已生成 {summary.households} 户、{summary.members} 名成员（在册 {summary.active_members} 人），"
            f"{summary.towns} 个乡镇、{summary.villages} 个行政村，收入年度 {year}，种子 {seed}。",
            f"台账：{outputs.ledger}",
            f"村情表：{outputs.villages}",
            "贫困户状态：" + "，".join(f"{k} {v} 户" for k, v in summary.statuses.most_common()),
        ]
        if dirty:
            total = sum(summary.faults.values())
            kinds = "，".join(f"{k} {v}" for k, v in summary.faults.most_common())
            lines.append(f"注入问题 {total} 处（{kinds or '无'}），清单：{outputs.report}")
        if lists is not None:
            rows = "，".join(f"{k} {v:,}" for k, v in lists.rows.items())
            clues = "，".join(f"{k} {v:,}" for k, v in sorted(lists.clues.items()))
            lines.append(f"部门数据：{lists.out_dir}（{rows} 行）；应有线索：{clues or '无'}")
        lines.append(f"用时 {seconds:.1f} 秒（每秒 {summary.members / max(seconds, 1e-9):,.0f} 行）。")
        self.stdout.write("\n".join(lines))


class _progress:
    """A rich progress bar on a terminal; nothing otherwise (logs and pipes stay clean)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.bar = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("生成中", total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.stop()
