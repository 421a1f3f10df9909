"""The error/warning workbook beside the file, and the summary it and the batch record carry."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from jingzhun.core.sql import q
from jingzhun.spreadsheets.report import report_path_for, write_report

from .base import ERRORS, WARNINGS, ImportBase


class Reporting(ImportBase):
    def report(self) -> None:
        path = report_path_for(self.path)
        o = self.outcome
        if not o.errors and not o.warnings:
            if path.exists():
                path.unlink()
            return
        cursor = connection.cursor()
        errors_cursor = connection.cursor()
        errors_cursor.execute(
            f"SELECT row_no, household_no, header, value, message FROM {q(ERRORS)} ORDER BY row_no, header"
        )
        cursor.execute(
            f"SELECT row_no, household_no, header, value, message FROM {q(WARNINGS)} ORDER BY row_no, header"
        )
        write_report(
            path,
            errors=iter(errors_cursor.fetchone, None),
            warnings=iter(cursor.fetchone, None),
            summary=self.summary(),
        )
        o.report_path = path

    def summary(self) -> list[tuple[str, object]]:
        o = self.outcome
        return [
            ("文件", self.path.name),  # the name only: the report must not show where the server keeps files
            ("导入时间", timezone.localtime(self.now).replace(tzinfo=None, microsecond=0)),  # a date cell in the report
            ("数据行数", o.rows),
            ("户数", o.households),
            ("新建户", o.created),
            ("更新户", o.updated),
            ("未变化户", o.unchanged),
            ("未导入户（有错误）", o.rejected),
            ("错误条数", o.errors),
            ("提示条数", o.warnings),
            ("文件中缺少的在册成员（未删除）", o.members_missing),
            ("新建行政村", "、".join(o.new_villages)),
        ]
