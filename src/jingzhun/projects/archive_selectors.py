"""Reads of the red/green/blue archive (三色档案): a project's checklist with its files, and how complete the
archives are — per project, per town and for the county.

An item is *due* once the project has reached the stage the checklist names for it (``due_from``); a terminated
project owes what was due at the last stage it recorded a date for. Completeness counts the *required* due items
that have at least one file: ``done / due``, per colour and overall. Optional items are listed but not counted.

The town and county figures are one SQL statement each, whatever the number of projects: the checklist goes in
as a ``VALUES`` table, joined to the projects (each with its reached stage as a number, a ``CASE`` on the stage)
on "due", and left-joined to the distinct (project, item) pairs that have a file. Files filed against an item
the checklist no longer has are kept but count for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db import connection
from django.db.models import Case, CharField, F, IntegerField, QuerySet, Value, When
from django.http import Http404

from jingzhun.areas.models import Area, Level

from .datafiles import ArchiveChecklist, ArchiveItem, archive_checklist
from .models import STAGE_DATE_FIELD, STAGE_ORDER, ArchiveColour, ArchiveFile, Project, Stage
from .selectors import projects_for_user

COLOURS = tuple(ArchiveColour)
LEAST_COMPLETE = 10


def project_rank() -> Case:
    """The position in STAGE_ORDER a project has reached (申报 0 … 运营 5), as an SQL expression. A terminated
    project has reached the last stage whose date it recorded."""
    running = [When(stage=stage, then=Value(n)) for n, stage in enumerate(STAGE_ORDER)]
    terminated = [
        When(stage=Stage.TERMINATED, **{f"{STAGE_DATE_FIELD[stage]}__isnull": False}, then=Value(n))
        for n, stage in reversed(list(enumerate(STAGE_ORDER)))
    ]
    return Case(*running, *terminated, default=Value(0), output_field=IntegerField())


def project_town(path: str = "") -> Case:
    """The 12-digit code of the town a project lies in (its own area for a town-level project, its village's
    town for a village-level one), NULL for a county-level project, as an SQL expression. ``path`` leads from
    the rows to the project (``"project__"`` for evaluations)."""
    return Case(
        When(**{f"{path}area__level": Level.TOWN}, then=F(f"{path}area_id")),
        When(**{f"{path}area__level": Level.VILLAGE}, then=F(f"{path}area__parent_id")),
        default=Value(None),
        output_field=CharField(),
    )


def project_rank_of(project: Project) -> int:
    """:func:`project_rank` for one project in Python (the project page)."""
    if project.stage in STAGE_ORDER:
        return STAGE_ORDER.index(Stage(project.stage))
    reached = [n for n, stage in enumerate(STAGE_ORDER) if getattr(project, STAGE_DATE_FIELD[stage])]
    return max(reached, default=0)


# --- figures -----------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """Required due items (``due``) and those with at least one file (``done``)."""

    due: int = 0
    done: int = 0

    @property
    def missing(self) -> int:
        return self.due - self.done

    @property
    def percent(self) -> Decimal | None:
        """``done / due`` as a percentage with one decimal; None when nothing is due."""
        if not self.due:
            return None
        return (Decimal(self.done * 100) / self.due).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Completeness:
    """The completeness of one project, town or county: overall and per colour."""

    key: Any = None  # a project id, a town code, or None for all
    total: Figure = field(default_factory=Figure)
    colours: dict[str, Figure] = field(default_factory=lambda: {c.value: Figure() for c in COLOURS})

    @property
    def percent(self) -> Decimal | None:
        return self.total.percent

    def colour_rows(self) -> list[tuple[ArchiveColour, Figure]]:
        return [(c, self.colours[c.value]) for c in COLOURS]


def _scope_sql(projects: QuerySet[Project]) -> tuple[str, tuple[Any, ...]]:
    rows = (
        projects.order_by().annotate(jz_rank=project_rank(), jz_town=project_town()).values("id", "jz_rank", "jz_town")
    )
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def _checklist_values(checklist: ArchiveChecklist) -> tuple[str, list[Any]]:
    required = [item for item in checklist.items if item.required]
    values = ", ".join("(%s, %s, %s)" for _ in required)
    params: list[Any] = []
    for item in required:
        params += [item.code, item.colour, item.rank]
    return values, params


Grouping = Literal["project", "town", "county"]


def _completeness_rows(
    projects: QuerySet[Project], by: Grouping, *, checklist: ArchiveChecklist | None = None
) -> list[tuple[Any, str, int, int]]:
    """(key, colour, due, done) for each group and colour: one statement."""
    checklist = checklist or archive_checklist()
    values, values_params = _checklist_values(checklist)
    scope_sql, scope_params = _scope_sql(projects)
    q = connection.ops.quote_name
    files = q(ArchiveFile._meta.db_table)
    key = {"project": "s.id", "town": "s.jz_town", "county": "NULL"}[by]
    where = "WHERE s.jz_town IS NOT NULL" if by == "town" else ""
    sql = f"""
        WITH checklist (item, colour, due_rank) AS (VALUES {values}),
             scope AS ({scope_sql})
        SELECT {key} AS jz_key, c.colour, COUNT(*) AS due, COUNT(f.item) AS done
        FROM scope s
        JOIN checklist c ON c.due_rank <= s.jz_rank
        LEFT JOIN (
            SELECT DISTINCT {q("project_id")} AS project_id, {q("item")} AS item FROM {files}
            WHERE {q("project_id")} IN (SELECT id FROM scope)
        ) f ON f.project_id = s.id AND f.item = c.item
        {where}
        GROUP BY {key if by != "county" else "c.colour"}{", c.colour" if by != "county" else ""}
    """  # noqa: S608 - the interpolated parts are our own quoted names; values go as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values_params, *scope_params])
        return [(row[0], row[1], int(row[2]), int(row[3])) for row in cursor.fetchall()]


def _assemble(rows: list[tuple[Any, str, int, int]]) -> dict[Any, Completeness]:
    out: dict[Any, Completeness] = {}
    for key, colour, due, done in rows:
        figure = out.setdefault(key, Completeness(key=key))
        figure.colours[colour] = Figure(due, done)
        figure.total.due += due
        figure.total.done += done
    return out


def archive_completeness(
    *, projects: QuerySet[Project], by: Grouping, checklist: ArchiveChecklist | None = None
) -> dict[Any, Completeness]:
    """Completeness of ``projects`` grouped ``by`` project (keyed by id), town (keyed by the town's code;
    county-level projects left out) or for them all (one entry, keyed ``None``)."""
    result = _assemble(_completeness_rows(projects, by, checklist=checklist))
    if by == "county" and None not in result:
        result[None] = Completeness()
    return result


def archive_least_complete(
    *, projects: QuerySet[Project], limit: int = LEAST_COMPLETE, checklist: ArchiveChecklist | None = None
) -> list[tuple[Project, Completeness]]:
    """The ``limit`` projects with the lowest completeness (then the most missing items), with their figures:
    the order and the limit are applied in SQL."""
    checklist = checklist or archive_checklist()
    values, values_params = _checklist_values(checklist)
    scope_sql, scope_params = _scope_sql(projects)
    q = connection.ops.quote_name
    files = q(ArchiveFile._meta.db_table)
    sql = f"""
        WITH checklist (item, colour, due_rank) AS (VALUES {values}),
             scope AS ({scope_sql})
        SELECT s.id, COUNT(*) AS due, COUNT(f.item) AS done
        FROM scope s
        JOIN checklist c ON c.due_rank <= s.jz_rank
        LEFT JOIN (
            SELECT DISTINCT {q("project_id")} AS project_id, {q("item")} AS item FROM {files}
            WHERE {q("project_id")} IN (SELECT id FROM scope)
        ) f ON f.project_id = s.id AND f.item = c.item
        GROUP BY s.id
        HAVING COUNT(f.item) < COUNT(*)
        ORDER BY (COUNT(f.item) * 1.0) / COUNT(*), COUNT(*) - COUNT(f.item) DESC, s.id
        LIMIT %s
    """  # noqa: S608 - the interpolated parts are our own quoted names; values go as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values_params, *scope_params, limit])
        figures = [(row[0], int(row[1]), int(row[2])) for row in cursor.fetchall()]
    by_id = Project.objects.select_related("area").in_bulk([pk for pk, _, _ in figures])
    return [(by_id[pk], Completeness(key=pk, total=Figure(due, done))) for pk, due, done in figures]


def archive_overview_for_user(*, user: Any) -> dict[str, Any]:
    """The archive index: completeness of every project the user sees, overall and by town (with the towns'
    names), and the least complete projects. Four statements whatever the number of projects."""
    projects = projects_for_user(user=user)
    checklist = archive_checklist()
    county = archive_completeness(projects=projects, by="county", checklist=checklist)[None]
    towns = archive_completeness(projects=projects, by="town", checklist=checklist)
    names = dict(Area.objects.filter(code__in=list(towns)).values_list("code", "name"))
    town_rows = sorted(towns.values(), key=lambda c: (c.percent is None, c.percent, c.key))
    for row in town_rows:
        row.name = names.get(row.key, row.key)  # type: ignore[attr-defined]
    return {
        "checklist": checklist,
        "county": county,
        "towns": town_rows,
        "least": archive_least_complete(projects=projects, checklist=checklist),
        "projects": projects.count(),
    }


# --- one project -------------------------------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    item: ArchiveItem
    due: bool
    files: list[ArchiveFile]

    @property
    def missing(self) -> bool:
        return self.due and self.item.required and not self.files


def project_checklist(*, project: Project, checklist: ArchiveChecklist | None = None) -> dict[str, Any]:
    """A project's checklist by colour: every item, whether it is due at the project's stage, its files (newest
    first); files filed against items the checklist no longer has, apart; and the project's completeness."""
    checklist = checklist or archive_checklist()
    rank = project_rank_of(project)
    files: dict[str, list[ArchiveFile]] = {}
    for f in ArchiveFile.objects.filter(project=project).select_related("uploaded_by").order_by("-uploaded_at", "-id"):
        files.setdefault(f.item, []).append(f)
    colours = []
    for colour in COLOURS:
        rows = [ChecklistRow(i, i.rank <= rank, files.pop(i.code, [])) for i in checklist.by_colour(colour)]
        colours.append({"colour": colour, "rows": rows})
    completeness = archive_completeness(
        projects=Project.objects.filter(pk=project.pk), by="project", checklist=checklist
    ).get(project.pk, Completeness(key=project.pk))
    return {
        "checklist": checklist,
        "colours": colours,
        "other_files": [f for rows in files.values() for f in rows],
        "completeness": completeness,
    }


def project_archive_summary(*, project: Project) -> dict[str, Any]:
    """For the project page: completeness overall and per colour, and the names of the required due items that
    have no file yet."""
    checklist = archive_checklist()
    rank = project_rank_of(project)
    filed = set(ArchiveFile.objects.filter(project=project).values_list("item", flat=True).distinct())
    missing = [i for i in checklist.items if i.required and i.rank <= rank and i.code not in filed]
    completeness = archive_completeness(
        projects=Project.objects.filter(pk=project.pk), by="project", checklist=checklist
    ).get(project.pk, Completeness(key=project.pk))
    return {
        "percent": completeness.percent,
        "due": completeness.total.due,
        "done": completeness.total.done,
        "colours": {c.value: completeness.colours[c.value] for c in COLOURS},
        "missing": [(i.code, i.name, i.colour) for i in missing],
        "files": ArchiveFile.objects.filter(project=project).count(),
    }


def archive_file_get_for_user(*, user: Any, file_id: int) -> ArchiveFile:
    """An archive file of a project the user sees; "not found" otherwise."""
    visible = projects_for_user(user=user).values("pk")
    archive_file = ArchiveFile.objects.filter(pk=file_id, project__in=visible).select_related("project").first()
    if archive_file is None:
        raise Http404("没有找到该档案文件。")
    return archive_file
