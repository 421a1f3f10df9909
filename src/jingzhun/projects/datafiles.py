"""The archive checklist (三色档案清单, ``data/archive.toml``) and the evaluation indicator bank (评估指标库,
``data/indicators.toml``): data a county edits without a release, validated on load.

A county replaces either file by putting its own under ``<data dir>/projects/`` (same file name). A file is read
again only when it changes on disk (its size and modification time are the cache key), so an edit is seen at the
next page without a restart. Every problem of a file is reported at once, in Chinese, naming the file, the entry
(its position and code) and the field, as the rule packs are (``policy/packs.py``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from .models import STAGE_ORDER, ArchiveColour, Stage

BUILTIN_DIR = Path(__file__).resolve().parent / "data"
ARCHIVE_FILE = "archive.toml"
INDICATORS_FILE = "indicators.toml"
# Stored in ArchiveFile.item / EvaluationItem.indicator (max_length 20).
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
BANK_LABEL_MAX = 100  # Evaluation.bank: "<name> <version>"
INDICATORS_TOTAL = Decimal(100)
# Evaluation and its items keep scores in DecimalField(max_digits=6, decimal_places=2).
CENT = Decimal("0.01")


class DataFileError(Exception):
    """A checklist or indicator file that cannot be used; the message is in Chinese and lists every problem."""


# --- the archive checklist ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveItem:
    code: str
    colour: str  # an ArchiveColour value
    name: str
    due_from: str  # a Stage value of STAGE_ORDER
    required: bool
    note: str = ""

    @property
    def rank(self) -> int:
        """The position of ``due_from`` in the lifecycle (申报 0 … 运营 5): due once a project has reached it."""
        return STAGE_ORDER.index(Stage(self.due_from))

    @property
    def colour_label(self) -> str:
        return ArchiveColour(self.colour).label

    @property
    def due_label(self) -> str:
        return Stage(self.due_from).label


@dataclass(frozen=True)
class ArchiveChecklist:
    name: str
    version: str
    items: tuple[ArchiveItem, ...]
    source: str  # the file it was read from

    def get(self, code: str) -> ArchiveItem | None:
        return next((item for item in self.items if item.code == code), None)

    def by_colour(self, colour: str) -> list[ArchiveItem]:
        return [item for item in self.items if item.colour == colour]


_COLOURS = {
    **{c.value: c.value for c in ArchiveColour},
    **{c.label: c.value for c in ArchiveColour},
    **{c.label[:2]: c.value for c in ArchiveColour},  # 红色, 绿色, 蓝色
    **{c.label[:1]: c.value for c in ArchiveColour},  # 红, 绿, 蓝
}
_STAGES = {**{s.value: s.value for s in STAGE_ORDER}, **{s.label: s.value for s in STAGE_ORDER}}


def archive_checklist() -> ArchiveChecklist:
    """The checklist in force: the county's file under the data directory, or the one shipped."""
    path = _source(ARCHIVE_FILE)
    stat = path.stat()
    return _archive_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _archive_cached(path: str, _mtime: int, _size: int) -> ArchiveChecklist:
    return archive_checklist_load(Path(path))


def archive_checklist_load(path: Path) -> ArchiveChecklist:
    """Read and validate one checklist file; :class:`DataFileError` listing every problem."""
    data = _read(path)
    problems: list[str] = []
    head = _table(data, "checklist", problems)
    name = _text(head, "name", "[checklist]", problems)
    version = _text(head, "version", "[checklist]", problems)
    items: list[ArchiveItem] = []
    seen: set[str] = set()
    for n, entry in enumerate(_entries(data, "item", problems), start=1):
        where = _where("item", n, entry)
        code = _code(entry, where, seen, problems)
        colour_text = _text(entry, "colour", where, problems)
        colour = _COLOURS.get(colour_text)
        if colour_text and colour is None:
            problems.append(
                f"{where}：colour「{colour_text}」无效（应为 red、green、blue 或 红色档案、绿色档案、蓝色档案）"
            )
        item_name = _text(entry, "name", where, problems)
        due_text = _text(entry, "due_from", where, problems)
        due = _STAGES.get(due_text)
        if due_text and due is None:
            problems.append(
                f"{where}：due_from「{due_text}」无效（应为 {'、'.join(s.label for s in STAGE_ORDER)} 之一）"
            )
        required = entry.get("required")
        if not isinstance(required, bool):
            problems.append(f"{where}：required 应为 true 或 false")
        note = entry.get("note", "")
        if not isinstance(note, str):
            problems.append(f"{where}：note 应为文字")
        _unknown(entry, {"code", "colour", "name", "due_from", "required", "note"}, where, problems)
        if code and colour and item_name and due and isinstance(required, bool) and isinstance(note, str):
            items.append(ArchiveItem(code, colour, item_name, due, required, note.strip()))
    if not problems and not items:
        problems.append("清单中没有任何档案项（[[item]]）")
    if not problems:
        for colour in ArchiveColour:
            if not any(i.colour == colour and i.required for i in items):
                problems.append(f"{colour.label}没有必备项（required = true）")
    _raise(path, problems)
    return ArchiveChecklist(name, version, tuple(items), str(path))


# --- the indicator bank ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    text: str
    weight: Decimal
    evidence: str


@dataclass(frozen=True)
class IndicatorBank:
    name: str
    version: str
    town_supervision_threshold: int
    indicators: tuple[Indicator, ...]
    source: str

    @property
    def label(self) -> str:
        """What an evaluation keeps of the bank it followed (``Evaluation.bank``)."""
        return f"{self.name} {self.version}"

    @property
    def total(self) -> Decimal:
        return sum((i.weight for i in self.indicators), Decimal(0))

    def get(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def dimensions(self) -> list[tuple[str, list[Indicator]]]:
        """The indicators grouped by dimension, in the file's order."""
        groups: dict[str, list[Indicator]] = {}
        for indicator in self.indicators:
            groups.setdefault(indicator.dimension, []).append(indicator)
        return list(groups.items())


def indicator_bank() -> IndicatorBank:
    """The bank in force: the county's file under the data directory, or the one shipped."""
    path = _source(INDICATORS_FILE)
    stat = path.stat()
    return _bank_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _bank_cached(path: str, _mtime: int, _size: int) -> IndicatorBank:
    return indicator_bank_load(Path(path))


def indicator_bank_load(path: Path) -> IndicatorBank:
    """Read and validate one indicator bank; :class:`DataFileError` listing every problem. The weights must add
    up to 100 so that a score reads as a percentage."""
    data = _read(path)
    problems: list[str] = []
    head = _table(data, "bank", problems)
    name = _text(head, "name", "[bank]", problems)
    version = _text(head, "version", "[bank]", problems)
    if name and version and len(f"{name} {version}") > BANK_LABEL_MAX:
        problems.append(f"[bank]：name 与 version 合计不能超过 {BANK_LABEL_MAX - 1} 个字")
    threshold = head.get("town_supervision_threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
        problems.append("[bank]：town_supervision_threshold 应为正整数（乡镇问题数达到多少时挂牌督办）")
        threshold = 0
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for n, entry in enumerate(_entries(data, "indicator", problems), start=1):
        where = _where("indicator", n, entry)
        code = _code(entry, where, seen, problems)
        dimension = _text(entry, "dimension", where, problems)
        text = _text(entry, "text", where, problems)
        evidence = _text(entry, "evidence", where, problems)
        weight = _weight(entry.get("weight"), where, problems)
        _unknown(entry, {"code", "dimension", "text", "weight", "evidence"}, where, problems)
        if code and dimension and text and evidence and weight is not None:
            indicators.append(Indicator(code, dimension, text, weight, evidence))
    if not problems:
        if not indicators:
            problems.append("指标库中没有任何指标（[[indicator]]）")
        elif (total := sum((i.weight for i in indicators), Decimal(0))) != INDICATORS_TOTAL:
            problems.append(f"各指标分值合计为 {total.normalize():f}，应为 100")
    _raise(path, problems)
    return IndicatorBank(name, version, threshold, tuple(indicators), str(path))


# --- shared reading and checks -----------------------------------------------------------------------------------


def _source(file_name: str) -> Path:
    own = Path(settings.DATA_DIR) / "projects" / file_name
    return own if own.is_file() else BUILTIN_DIR / file_name


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise DataFileError(f"{path}：文件不存在。") from None
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(f"{path}：不是有效的 TOML 文件（{error}）。") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{path}：不是 UTF-8 编码的文本文件。") from None


def _raise(path: Path, problems: list[str]) -> None:
    if problems:
        raise DataFileError(f"{path} 有 {len(problems)} 处错误：\n" + "\n".join(f"- {p}" for p in problems))


def _table(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    table = data.get(key)
    if not isinstance(table, dict):
        problems.append(f"缺少 [{key}] 表")
        return {}
    return table


def _entries(data: dict[str, Any], key: str, problems: list[str]) -> list[dict[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(f"{key} 应写作 [[{key}]] 表的列表")
        return []
    return entries


def _where(key: str, n: int, entry: dict[str, Any]) -> str:
    code = entry.get("code")
    return f"第 {n} 个 [[{key}]]" + (f"（{code}）" if isinstance(code, str) and code.strip() else "")


def _text(entry: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}：缺少 {key}（应为非空文字）")
        return ""
    return value.strip()


def _code(entry: dict[str, Any], where: str, seen: set[str], problems: list[str]) -> str:
    code = _text(entry, "code", where, problems)
    if not code:
        return ""
    if not CODE_PATTERN.match(code):
        problems.append(f"{where}：code「{code}」无效（字母、数字或短横线，最多 20 个字符）")
        return ""
    if code in seen:
        problems.append(f"{where}：code「{code}」重复")
        return ""
    seen.add(code)
    return code


def _weight(value: Any, where: str, problems: list[str]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(f"{where}：weight 应为数字")
        return None
    try:
        weight = Decimal(str(value))
    except InvalidOperation:
        problems.append(f"{where}：weight「{value}」不是数字")
        return None
    if not weight.is_finite() or weight <= 0 or weight > INDICATORS_TOTAL:
        problems.append(f"{where}：weight 应大于 0 且不超过 100")
        return None
    if weight != weight.quantize(CENT):
        problems.append(f"{where}：weight 最多两位小数")
        return None
    return weight.quantize(CENT)


def _unknown(entry: dict[str, Any], known: set[str], where: str, problems: list[str]) -> None:
    if extra := sorted(set(entry) - known):
        problems.append(f"{where}：不认识的字段 {'、'.join(extra)}（可用：{'、'.join(sorted(known))}）")
