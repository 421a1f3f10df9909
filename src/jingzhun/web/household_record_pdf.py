"""The household record (一户一档) as the A4 pages an office files: the household, its members (ID numbers always
masked: a printed file leaves the system), its incomes, its latest assessment, its monitoring, its helper and
measures, and its benefit payments — drawn from the same context as the record page, with the Chinese font the
project's setup installs (:class:`~jingzhun.core.fonts.FontMissing` without it)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from jingzhun.core.fonts import cjk_font_register
from jingzhun.policy.models import FLAG_LABELS, INDICATORS
from jingzhun.spreadsheets.pdf import pdf_written

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _display(row: Any, field: str) -> str:
    getter = getattr(row, f"get_{field}_display", None)
    return _shown(getter() if getter is not None and getattr(row, field) not in (None, "") else getattr(row, field))


class _Sheet:
    def __init__(self, font: str) -> None:
        self.font = font
        self.text = ParagraphStyle("text", fontName=font, fontSize=8, leading=10.5)
        self.heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=15, spaceBefore=6)
        self.title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1)
        self.flow: list[Any] = []

    def paragraph(self, text: str, style: ParagraphStyle | None = None) -> None:
        self.flow.append(Paragraph(escape(text), style or self.text))

    def table(self, heading: str, header: list[str] | None, rows: list[list[Any]], widths: list[float]) -> None:
        """A titled table; "无" when there are no rows. ``widths`` are shares of the page width."""
        parts: list[Any] = [Paragraph(escape(heading), self.heading)]
        if not rows:
            parts.append(Paragraph("无", self.text))
            self.flow.append(KeepTogether(parts))
            return
        data = [[Paragraph(escape(_shown(v)), self.text) for v in row] for row in ([header] if header else []) + rows]
        total = sum(widths)
        grid = Table(data, colWidths=[WIDTH * w / total for w in widths], repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.95, 0.97)))
        grid.setStyle(TableStyle(style))
        parts.append(grid)
        self.flow.append(KeepTogether(parts) if len(rows) < 12 else parts[0])
        if len(rows) >= 12:
            self.flow.append(grid)


def household_record_pdf(context: dict[str, Any], path: Path) -> int:
    """Write the record of ``context`` (the record page's, with masked ID numbers) to ``path``; returns pages."""
    font = cjk_font_register()
    with translation.override("zh-hans"):
        sheet = _Sheet(font)
        household = context["household"]
        sheet.paragraph(f"一户一档：{household.household_no}", sheet.title)
        sheet.paragraph(
            f"{household.village.name}　打印日期 {timezone.localdate().isoformat()}　身份证号已脱敏", sheet.text
        )
        sheet.flow.append(Spacer(1, 3 * mm))
        facts = [
            ["贫困户状态", _display(household, "poverty_status"), "户类型", _display(household, "attribute")],
            [
                "主要致贫原因",
                _display(household, "main_cause"),
                "建档年度 / 脱贫年度",
                f"{_shown(household.year_registered)} / {_shown(household.year_exited)}",
            ],
            ["住房安全等级", _display(household, "housing_grade"), "易地扶贫搬迁", _display(household, "relocation")],
            ["不愁吃不愁穿", _shown(household.food_clothing_ok), "饮水水质达标", _shown(household.water_quality_ok)],
            ["自来水入户", _shown(household.water_piped), "人均日用水（升）", _shown(household.water_lpd)],
        ]
        sheet.table("基本情况", None, facts, [2, 3, 2, 3])
        members = [
            [
                row["member"].name,
                _display(row["member"], "relation"),
                _display(row["member"], "sex"),
                row["id_number"],
                row["age"],
                _display(row["member"], "health"),
                _display(row["member"], "education"),
                _display(row["member"], "labor"),
                _display(row["member"], "status"),
            ]
            for row in context["members"]
        ]
        sheet.table(
            "家庭成员",
            ["姓名", "与户主关系", "性别", "身份证号", "年龄", "健康", "文化程度", "劳动能力", "状态"],
            members,
            [2, 2, 1, 4, 1, 2, 2, 2, 1.5],
        )
        incomes = [
            [i["income"].year, i["income"].wage, i["business"], i["property"], i["transfer"], i["net"], i["per_capita"]]
            for i in context["incomes"]
        ]
        sheet.table(
            "家庭收入（元）",
            ["年度", "工资性", "生产经营性净收入", "财产性", "转移性", "纯收入", "人均纯收入"],
            incomes,
            [1, 2, 2, 2, 2, 2, 2],
        )
        result = context.get("result")
        if result is not None:
            rows = [[str(FLAG_LABELS[i]), _shown(getattr(result, i))] for i in INDICATORS]
            rows.append(["达到退出标准", _shown(result.meets_standard)])
            rows.append(["分层分类", result.get_tier_display() if result.tier else "—"])
            sheet.table(f"最近一次评估（{result.run.year} 年）", ["指标", "结果"], rows, [3, 2])
        else:
            sheet.table("最近一次评估", None, [], [1])
        cases = [
            [
                c.get_stage_display(),
                c.get_category_display() if c.category else "—",
                c.opened_on,
                c.monitored_since,
                c.closed_on,
            ]
            for c in context.get("monitoring_cases", [])
        ]
        sheet.table("防返贫监测", ["环节", "类别", "发现日期", "纳入日期", "关闭日期"], cases, [3, 2, 2, 2, 2])
        assistance = context.get("assistance") or {}
        helper = assistance.get("current_helper")
        sheet.paragraph(f"帮扶责任人：{helper.name if helper else '无'}", sheet.heading)
        measures = [
            [m.get_kind_display(), m.content, m.started_on, m.ended_on, m.amount]
            for m in assistance.get("measures", [])[:20]
        ]
        sheet.table("帮扶措施", ["类别", "内容", "开始", "结束", "金额（元）"], measures, [2, 5, 2, 2, 2])
        payments = context.get("benefit_payments")
        if payments is not None:
            rows = [[p.benefit_name, p.member.name if p.member else "（户）", p.amount, p.paid_on] for p in payments]
            sheet.table("政策发放", ["政策", "对象", "金额（元）", "发放日期"], rows, [4, 2, 2, 2])
        return pdf_written(
            Path(path),
            sheet.flow,
            font=font,
            pagesize=A4,
            margin=MARGIN,
            bottom=15 * mm,
            footer_at=8 * mm,
            title=f"一户一档 {household.household_no}",
            footer=lambda page: f"{household.household_no}　第 {page} 页",
        )
