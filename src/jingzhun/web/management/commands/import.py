"""``jingzhun import villages FILE``, ``jingzhun import ledger FILE``, ``jingzhun import events FILE``,
``jingzhun import findings FILE``, ``jingzhun import helpers FILE``, ``jingzhun import adjustments FILE``,
``jingzhun import projects FILE`` (a workbook with sheets 项目 and 受益户, or ``<stem>.csv`` with
``<stem>.beneficiaries.csv`` beside it), ``jingzhun import payments FILE`` (benefit payments, docs/LEDGER.md §5) and
``jingzhun import department KEY FILE [--as-of YYYY-MM-DD] [--source TEXT]``.

Exit codes: 0 every row imported; 1 some households (or village rows, event rows, finding rows, roster rows,
projects, payment rows or list rows) rejected,
the valid ones imported; 2 the file itself is unusable (nothing imported).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from argparse import ArgumentTypeError
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from jingzhun.adjustments.services import decisions_import
from jingzhun.areas.services import village_facts_import
from jingzhun.assistance.services import roster_import
from jingzhun.benefits.payments_import import payments_import
from jingzhun.core.management.batch import BatchCommand
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.list_import import department_list_import, list_import_summary
from jingzhun.crosscheck.models import Department
from jingzhun.projects.projects_import import projects_import
from jingzhun.registry.services import event_import, ledger_import
from jingzhun.spreadsheets.reading import UnusableFile
from jingzhun.supervision.services import findings_import

if TYPE_CHECKING:
    from jingzhun.areas.services import VillageImportOutcome
    from jingzhun.crosscheck.list_import import ListImportOutcome
    from jingzhun.registry.ledger_import import LedgerImportOutcome


class Command(BatchCommand):
    help = (
        "导入村情表（villages FILE）、贫困人口台账（ledger FILE）、突发事件（events FILE）、督导问题（findings FILE）、"
        "帮扶力量名单（helpers FILE：帮扶责任人、结对或包扶单位）、动态调整决定（adjustments FILE）、"
        "项目库（projects FILE：含“项目”“受益户”两个工作表的 .xlsx，或 FILE.csv 与 FILE.beneficiaries.csv）、"
        "政策发放（payments FILE）或部门数据"
        "（department 部门 FILE），格式见 docs/LEDGER.md；"
        "部门：" + "、".join(f"{d.value}（{d.label}）" for d in Department)
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind",
            choices=[
                "villages",
                "ledger",
                "events",
                "findings",
                "helpers",
                "adjustments",
                "projects",
                "payments",
                "department",
            ],
        )
        parser.add_argument("operands", nargs="+", metavar="[KEY] FILE", help="部门数据先写部门，再写文件")
        parser.add_argument("--as-of", type=_date, help="部门数据的数据日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--source", default="", help="部门数据的来源，例如“县教体局”")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="台账：用几个进程并行读取大的 CSV 文件（默认按 CPU 核数，最多 4 个；1 = 不并行）",
        )

    def handle(
        self, *args: Any, kind: str, operands: list[str], no_progress: bool, workers: int, **options: Any
    ) -> None:
        if kind == "department":
            if len(operands) != 2:
                raise CommandError("用法：jingzhun import department 部门 FILE", returncode=2)
            self._department(operands[0], Path(operands[1]), no_progress=no_progress, **options)
            return
        if len(operands) != 1:
            raise CommandError(f"用法：jingzhun import {kind} FILE", returncode=2)
        if options["as_of"] or options["source"]:
            raise CommandError("--as-of 和 --source 只用于部门数据（department）", returncode=2)
        file = Path(operands[0])
        # OutputWrapper is a TextIOBase that forwards to the real stream; rich only writes and flushes it.
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        if kind == "events":
            self._events(file, console)
            return
        if kind == "findings":
            self._findings(file, console, no_progress=no_progress)
            return
        if kind == "helpers":
            self._roster(file, console, no_progress=no_progress)
            return
        if kind == "adjustments":
            self._adjustments(file, console, no_progress=no_progress, verbosity=options["verbosity"])
            return
        if kind == "projects":
            self._projects(file, console, no_progress=no_progress, verbosity=options["verbosity"])
            return
        if kind == "payments":
            self._payments(file, console, no_progress=no_progress)
            return
        outcome: VillageImportOutcome | LedgerImportOutcome
        try:
            if kind == "villages":
                outcome = village_facts_import(path=file)
                console.print(
                    f"村情表：{outcome.rows} 行，新建 {outcome.created} 个村，更新 {outcome.updated} 个，"
                    f"未变化 {outcome.unchanged} 个，未导入 {outcome.rejected} 行"
                )
            else:
                with _progress_bar(no_progress) as progress:
                    task = progress.add_task(file.name, total=None)
                    outcome = ledger_import(
                        path=file,
                        on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                        workers=workers or _default_workers(),
                    )
                console.print(
                    f"台账：{outcome.rows} 行，{outcome.households} 户 —— 新建 {outcome.created} 户，"
                    f"更新 {outcome.updated} 户，未变化 {outcome.unchanged} 户，未导入 {outcome.rejected} 户"
                )
                if options["verbosity"] >= 2:
                    console.print(
                        "用时（秒）：读取校验 {} · 整体检查 {} · 写入 {} · 报告 {}".format(*outcome.timings)
                        + f"（读取进程 {outcome.workers} 个）"
                    )
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

    def _events(self, file: Path, console: Console) -> None:
        try:
            outcome = event_import(path=file, user=SYSTEM)
        except UnusableFile as exc:
            raise CommandError(f"文件无法导入：{exc}", returncode=2) from None
        console.print(
            f"突发事件：{outcome.rows} 行 —— 新登记 {outcome.created} 起，更新 {outcome.updated} 起，"
            f"未变化 {outcome.unchanged} 起，未导入 {outcome.rejected} 行"
        )
        if outcome.report_path:
            console.print(f"错误和提示见：{outcome.report_path}")
        if outcome.exit_code:
            console.print(f"有 {len(outcome.errors)} 条错误，相关的行未导入")
            sys.exit(outcome.exit_code)

    def _findings(self, file: Path, console: Console, *, no_progress: bool) -> None:
        outcome = _run(file, no_progress, findings_import)
        console.print(
            f"督导问题：{outcome.rows} 行 —— 新登记 {outcome.created} 个，更新 {outcome.updated} 个，"
            f"未变化 {outcome.unchanged} 个，未导入 {outcome.rejected} 行"
        )
        _finish(console, outcome, f"有 {outcome.errors} 条错误，相关的行未导入")

    def _roster(self, file: Path, console: Console, *, no_progress: bool) -> None:
        outcome = _run(file, no_progress, roster_import)
        console.print(
            f"帮扶力量名单（{outcome.sheet}）：{outcome.rows} 行 —— 新增 {outcome.created} 条，更新 {outcome.updated} 条，"
            f"未变化 {outcome.unchanged} 条，未导入 {outcome.rejected} 行"
        )
        if outcome.exit_code:
            for row_no, record, header, value, reason in outcome.errors[:20]:
                console.print(f"第 {row_no} 行（{record}）{header}“{value}”：{reason}", markup=False)
            if len(outcome.errors) > 20:
                console.print(f"……共 {len(outcome.errors)} 条错误")
        _finish(console, outcome, f"有 {len(outcome.errors)} 条错误，相关的行未导入")

    def _adjustments(self, file: Path, console: Console, *, no_progress: bool, verbosity: int) -> None:
        outcome = _run(file, no_progress, decisions_import)
        console.print(
            f"动态调整决定：{outcome.rows} 行，{outcome.households} 户 —— 导入 {outcome.applied} 项决定"
            f"（{outcome.households_applied} 户），未变化 {outcome.unchanged} 项，"
            f"未导入 {outcome.rejected} 行（{outcome.households_rejected} 户）"
        )
        if verbosity >= 2:
            console.print("用时（秒）：读取校验 {} · 写入 {} · 报告 {}".format(*outcome.timings))
        _finish(console, outcome, f"有 {outcome.errors} 条错误，相关户的决定未导入")

    def _projects(self, file: Path, console: Console, *, no_progress: bool, verbosity: int) -> None:
        outcome = _run(file, no_progress, projects_import)
        console.print(
            f"项目库：{outcome.rows} 个项目行，{outcome.beneficiary_rows} 个受益户行 —— 新建 {outcome.created} 个项目，"
            f"更新 {outcome.updated} 个，未变化 {outcome.unchanged} 个，未导入 {outcome.rejected} 个；"
            f"受益户新增 {outcome.beneficiaries_added} 户，修改 {outcome.beneficiaries_changed} 户，"
            f"删除 {outcome.beneficiaries_removed} 户"
        )
        for warning in outcome.warnings:
            console.print(f"提示：{warning}")
        if verbosity >= 2:
            console.print("用时（秒）：读取 {} · 检查和写入 {} · 报告 {}".format(*outcome.timings))
        _finish(console, outcome, f"有 {outcome.errors} 条错误，相关项目（含其受益户）未导入")

    def _payments(self, file: Path, console: Console, *, no_progress: bool) -> None:
        outcome = _run(file, no_progress, payments_import)
        console.print(
            f"政策发放：{outcome.rows} 行 —— 新登记 {outcome.created} 笔（{outcome.amount:,.2f} 元），"
            f"已登记未变化 {outcome.unchanged} 笔，未导入 {outcome.rejected} 行"
        )
        if outcome.unknown_headers:
            console.print("提示：已忽略未知的列 " + "、".join(outcome.unknown_headers))
        _finish(console, outcome, f"有 {outcome.errors} 条错误，相关的行未导入")

    def _department(
        self, key: str, file: Path, *, no_progress: bool, as_of: dt.date | None, source: str, **options: Any
    ) -> None:
        if key not in Department.values:
            raise CommandError(
                f"未知的部门“{key}”，可选：" + "、".join(f"{d.value}（{d.label}）" for d in Department), returncode=2
            )
        if as_of and as_of > timezone.localdate():
            raise CommandError(f"数据日期 {as_of} 晚于今天", returncode=2)
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        outcome: ListImportOutcome = _run(
            file, no_progress, partial(department_list_import, department=key, as_of=as_of, source=source)
        )
        shown = ("部门", "批次号", "数据日期", "数据行数", "导入行数", "证件号码无效行数", "未导入行数（有错误）")
        summary = dict(list_import_summary(outcome, file=file, now=timezone.now()))
        for label in shown:
            console.print(f"{label}：{summary[label]}")
        if outcome.unknown_headers:
            console.print("提示：已忽略未知的列 " + "、".join(outcome.unknown_headers))
        if outcome.same_as_batch:
            console.print(f"提示：与批次 {outcome.same_as_batch} 的文件完全相同，仍作为新批次导入")
        _finish(console, outcome, f"有 {outcome.rejected} 行有错误，未导入")


Outcome = TypeVar("Outcome")


def _run(file: Path, no_progress: bool, importer: Callable[..., Outcome]) -> Outcome:
    """``importer(path=file, user=SYSTEM, progress=…)`` with a progress bar; a file that cannot be read at all is
    exit code 2 with its reason."""
    try:
        with _progress_bar(no_progress) as progress:
            task = progress.add_task(file.name, total=None)
            return importer(
                path=file, user=SYSTEM, progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
    except UnusableFile as exc:
        raise CommandError(f"文件无法导入：{exc}", returncode=2) from None


def _finish(console: Console, outcome: Any, failed: str) -> None:
    """Where the error report is, and on any error the count and the import's exit code (1)."""
    if outcome.report_path:
        console.print(f"错误和提示见：{outcome.report_path}")
    if outcome.exit_code:
        console.print(failed)
        sys.exit(outcome.exit_code)


def _default_workers() -> int:
    """The CPUs this process may use, at most 4 (more parts stop paying: the database work after is serial)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"“{text}”不是日期，应写作 2026-01-05") from None


def _progress_bar(no_progress: bool) -> Progress:
    """A progress bar on the terminal's stderr; off when asked, or when stderr is not a terminal."""
    return Progress(
        TextColumn("导入 {task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=no_progress or not sys.stderr.isatty(),
        transient=True,
    )
