"""``jingzhun audit purge --before DATE``: delete audit and access log entries older than the retention allows.

Refuses any date within ``AUDIT_RETENTION_DAYS`` (at least 180) of today; the purge itself is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.services import audit_purge


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


class Command(BaseCommand):
    help = "Audit trail maintenance: `purge --before YYYY-MM-DD` deletes entries older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        purge = actions.add_parser("purge", help="delete audit and access log entries from before a date")
        purge.add_argument("--before", required=True, type=_date, help="YYYY-MM-DD: entries before this day go")

    def handle(self, *args: Any, action: str, before: dt.date, **options: Any) -> None:
        try:
            removed = audit_purge(before=before)
        except ValidationError as error:
            raise CommandError(f"拒绝清理 {before} 之前的记录：{' '.join(error.messages)}") from None
        self.stdout.write(
            f"已清理 {before} 之前的记录：审计事件 {removed['AuditEvent']} 条，访问日志 {removed['AccessLog']} 条。"
        )
