"""``jingzhun import villages FILE`` and ``jingzhun import ledger FILE``.

Exit codes: 0 every row imported; 1 some households (or village rows) rejected, the valid ones imported;
2 the file itself is unusable (nothing imported).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from jingzhun.areas.services import village_facts_import
from jingzhun.registry.services import ledger_import
from jingzhun.spreadsheets.reading import UnusableFile

if TYPE_CHECKING:
    from jingzhun.areas.services import VillageImportOutcome
    from jingzhun.registry.ledger_import import LedgerImportOutcome


class Command(BaseCommand):
    help = "导入村情表（villages）或贫困人口台账（ledger），格式见 LEDGER.md"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["villages", "ledger"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, kind: str, file: Path, no_progress: bool, **options: Any) -> None:
        # OutputWrapper is a TextIOBase that forwards to the real stream; rich only writes and flushes it.
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        outcome: VillageImportOutcome | LedgerImportOutcome
        try:
            if kind == "villages":
                outcome = village_facts_import(path=file)
                console.print(
                    f"村情表：{outcome.rows} 行，新建 {outcome.created} 个村，更新 {outcome.updated} 个，"
                    f"未变化 {outcome.unchanged} 个，未导入 {outcome.rejected} 行"
                )
            else:
                show = not no_progress and sys.stderr.isatty()
                with Progress(
                    TextColumn("导入 {task.description}"),
                    BarColumn(),
                    TaskProgressColumn(),
                    TimeRemainingColumn(),
                    console=Console(stderr=True),
                    disable=not show,
                    transient=True,
                ) as progress:
                    task = progress.add_task(file.name, total=None)
                    outcome = ledger_import(
                        path=file,
                        on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                    )
                console.print(
                    f"台账：{outcome.rows} 行，{outcome.households} 户 —— 新建 {outcome.created} 户，"
                    f"更新 {outcome.updated} 户，未变化 {outcome.unchanged} 户，未导入 {outcome.rejected} 户"
                )
                if options["verbosity"] >= 2:
                    console.print("用时（秒）：读取校验 {} · 整体检查 {} · 写入 {} · 报告 {}".format(*outcome.timings))
                if outcome.members_missing:
                    console.print(f"提示：{outcome.members_missing} 名已登记的在册成员不在本次文件中（未删除）")
                if outcome.new_villages:
                    console.print(f"提示：新建了 {len(outcome.new_villages)} 个行政村")
        except UnusableFile as exc:
            raise CommandError(f"文件无法导入：{exc}", returncode=2) from None
        if outcome.report_path:
            console.print(f"错误和提示见：{outcome.report_path}")
        if outcome.exit_code:
            console.print(
                f"有 {len(cast('VillageImportOutcome', outcome).errors) if kind == 'villages' else outcome.errors} 条错误，相关数据未导入"
            )
            sys.exit(outcome.exit_code)
