"""Scoped reads of the assistance app. People data (households, visits, measures, pairings) is read only
through :func:`jingzhun.registry.selectors.households_for_user` or a prefix filter on the household's village
code; helpers and teams through the area they work in.

Coverage and "not visited" are set-based: one aggregate query each, never a Python loop over households.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import Exact
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.areas.models import Area, Level
from jingzhun.core.paging import KeysetPage, keyset_page_rows
from jingzhun.core.scope import scope_key, scope_prefix, scoped
from jingzhun.core.sql import Unindexed
from jingzhun.registry.selectors import households_for_user, members_for_user, registry_version
from jingzhun.registry.vocab import PovertyStatus, Relation

from .models import (
    AssistanceChange,
    Attendance,
    AttendanceStatus,
    FollowUp,
    Helper,
    Measure,
    Pairing,
    Visit,
    VisitPhoto,
    WorkTeam,
)

DEFAULT_VISIT_DAYS = 30


def _prefix(user: Any) -> str | None:
    return scope_prefix(user)


# --- helpers and teams ----------------------------------------------------------------------------------------


def helpers_for_user(*, user: Any) -> QuerySet[Helper]:
    """Helpers who work in the user's area, and helpers from elsewhere paired with a household of that area."""
    prefix = _prefix(user)
    if not prefix:
        return Helper.objects.none()
    paired_here = Pairing.objects.filter(helper=OuterRef("pk"), household__village__code__startswith=prefix)
    return Helper.objects.filter(Q(area__code__startswith=prefix) | Q(Exists(paired_here))).select_related("area")


def helpers_with_counts(*, user: Any) -> QuerySet[Helper]:
    """:func:`helpers_for_user` with each helper's current households inside the user's scope."""
    # Counted over the households the user may see: a helper (limited to its paired households) does not learn
    # how many households its colleagues help.
    visible = households_for_user(user=user).values("pk")
    current_here = Q(pairings__ended_on__isnull=True, pairings__household__in=visible)
    return (
        helpers_for_user(user=user)
        .annotate(current_households=Count("pairings", filter=current_here))
        .order_by("-active", "name", "pk")
    )


def helper_get_for_user(*, user: Any, helper_id: int) -> Helper:
    """One helper the user may see (``Helper.DoesNotExist`` otherwise)."""
    return helpers_for_user(user=user).get(pk=helper_id)


def helpers_managed_by(*, user: Any) -> QuerySet[Helper]:
    """Helpers a user may edit, deactivate and import: those who work in the user's area (a helper from elsewhere
    paired with a household here is seen, not managed)."""
    prefix = _prefix(user)
    if prefix is None:
        return Helper.objects.none()
    return Helper.objects.filter(area__code__startswith=prefix).select_related("area", "user")


def changes_of(*, entity: str, entity_id: int, limit: int = 50) -> QuerySet[AssistanceChange]:
    """The history of one helper, work team, … (the caller has read it through a scoped selector), newest first,
    with who made each change."""
    return (
        AssistanceChange.objects.filter(entity=entity, entity_id=entity_id)
        .select_related("user")
        .order_by("-at", "-pk")[:limit]
    )


def helper_of_user(*, user: Any) -> Helper | None:
    """The helper record linked to this account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Helper.objects.filter(user=user, active=True).first()


def areas_for_helpers(*, user: Any) -> list[tuple[str, str]]:
    """``(code, name)`` of the areas a user may place a helper in: their own area and the towns and villages
    under it."""
    prefix = _prefix(user)
    if not prefix:
        return []
    areas = Area.objects.filter(code__startswith=prefix, level__in=[Level.COUNTY, Level.TOWN, Level.VILLAGE])
    return list(areas.order_by("code").values_list("code", "name"))


def teams_for_user(*, user: Any) -> QuerySet[WorkTeam]:
    """Work teams of villages in the user's scope (every village for the command line's ``SYSTEM``)."""
    prefix = _prefix(user)
    if prefix is None:
        return WorkTeam.objects.none()
    return WorkTeam.objects.filter(village__code__startswith=prefix).select_related("village", "leader")


def team_get_for_user(*, user: Any, team_id: int) -> WorkTeam:
    return teams_for_user(user=user).get(pk=team_id)


@dataclass(frozen=True)
class AttendanceLine:
    member: Helper
    present: int
    leave: int
    absent: int

    @property
    def recorded(self) -> int:
        return self.present + self.leave + self.absent


def attendance_summary(*, team: WorkTeam, date_from: dt.date, date_to: dt.date) -> list[AttendanceLine]:
    """Days present, on leave and absent per member of ``team`` in ``[date_from, date_to]``, one query."""
    in_period = Q(attendance__team=team, attendance__date__range=(date_from, date_to))

    def days(status: str) -> Count:
        return Count("attendance", filter=in_period & Q(attendance__status=status))

    members = team.members.annotate(
        present=days(AttendanceStatus.PRESENT), leave=days(AttendanceStatus.LEAVE), absent=days(AttendanceStatus.ABSENT)
    ).order_by("name", "pk")
    return [AttendanceLine(m, m.present, m.leave, m.absent) for m in members]


def attendance_recent(*, team: WorkTeam, limit: int = 30) -> QuerySet[Attendance]:
    return team.attendance.select_related("member").order_by("-date", "member__name")[:limit]


# --- pairings -------------------------------------------------------------------------------------------------


def households_paired_with(user: Any) -> QuerySet[Any]:
    """Ids of the households currently paired with the helper record linked to ``user`` (an active one): all a
    helper account may see (registered with :func:`jingzhun.core.scope.households_limit`). An ended pairing
    gives nothing: the household's new helper, or its village, carries on."""
    return Pairing.objects.filter(helper__user_id=user.pk, helper__active=True, ended_on__isnull=True).values(
        "household_id"
    )


def pairings_for_user(*, user: Any) -> QuerySet[Pairing]:
    return scoped(Pairing.objects.all(), user, "household__village__code", household="household").select_related(
        "helper", "household", "household__village"
    )


def pairing_get_for_user(*, user: Any, pairing_id: int) -> Pairing:
    return pairings_for_user(user=user).get(pk=pairing_id)


def _head_name(user: Any) -> Subquery:
    heads = members_for_user(user=user).filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by("pk")
    return Subquery(heads.values("name")[:1])


def _last_visit() -> Subquery:
    return Subquery(
        Visit.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(m=Max("visited_on"))
        .values("m")[:1]
    )


def households_of_helper(*, helper: Helper, user: Any) -> QuerySet:
    """The helper's currently paired households inside the user's scope, with what is due for each: the last
    visit, open follow-ups (and the earliest follow-up date), and the open monitoring case's help deadline."""
    from jingzhun.monitoring.selectors import cases_for_user

    open_case = cases_for_user(user=user).filter(household=OuterRef("pk"), closed_on__isnull=True).order_by("pk")
    open_follow_ups = FollowUp.objects.filter(household=OuterRef("pk"), done=False).order_by().values("household")
    return (
        households_for_user(user=user)
        .filter(Exists(Pairing.objects.filter(household=OuterRef("pk"), helper=helper, ended_on__isnull=True)))
        .select_related("village")
        .annotate(
            head_name=_head_name(user),
            last_visited=_last_visit(),
            open_follow_ups=Subquery(open_follow_ups.annotate(n=Count("pk")).values("n")[:1]),
            follow_up_next=Subquery(open_follow_ups.annotate(d=Min("due_on")).values("d")[:1]),
            case_id=Subquery(open_case.values("pk")[:1]),
            help_due=Subquery(open_case.values("help_due")[:1]),
            help_started_on=Subquery(open_case.values("help_started_on")[:1]),
        )
        .order_by(F("last_visited").asc(nulls_first=True), "household_no")
    )


def households_visitable_for_user(*, user: Any) -> QuerySet:
    """Households the user may record a visit for: every household of the scope for a user who edits people
    data; for a helper (RECORD_VISIT only), the households currently paired with them, inside their scope."""
    if user_can(user, Capability.EDIT_PEOPLE):
        return households_for_user(user=user)
    if user_can(user, Capability.RECORD_VISIT):
        helper = helper_of_user(user=user)
        if helper is None:
            return households_for_user(user=user).none()
        current = Pairing.objects.filter(household=OuterRef("pk"), helper=helper, ended_on__isnull=True)
        return households_for_user(user=user).filter(Exists(current))
    return households_for_user(user=user).none()


# --- measures, visits, follow-ups ------------------------------------------------------------------------------


def measures_for_user(*, user: Any) -> QuerySet[Measure]:
    return scoped(Measure.objects.all(), user, "household__village__code", household="household")


def measures_since_for_user(*, user: Any, since: dt.date, household_nos: Collection[str]) -> QuerySet[Measure]:
    """Measures started on or after ``since`` for the households numbered ``household_nos`` the user sees, by
    household number and start date (one query, whatever the number of households)."""
    return (
        measures_for_user(user=user)
        .filter(started_on__gte=since, household__household_no__in=list(household_nos))
        .select_related("household")
        .order_by("household__household_no", "started_on", "id")
    )


def household_nos_with_measures_since(*, user: Any, since: dt.date) -> set[str]:
    """Numbers of the households the user sees with a measure started on or after ``since`` (one query)."""
    return set(
        measures_for_user(user=user)
        .filter(started_on__gte=since)
        .values_list("household__household_no", flat=True)
        .distinct()
    )


def visits_for_user(*, user: Any) -> QuerySet[Visit]:
    visits = scoped(Visit.objects.all(), user, "household__village__code", household="household")
    return visits.select_related("helper", "household")


def visit_get_for_user(*, user: Any, visit_id: int) -> Visit:
    return visits_for_user(user=user).get(pk=visit_id)


def photo_get_for_user(*, user: Any, photo_id: int) -> VisitPhoto:
    photos = scoped(VisitPhoto.objects.all(), user, "visit__household__village__code", household="visit__household")
    return photos.get(pk=photo_id)


def follow_up_get_for_user(*, user: Any, follow_up_id: int) -> FollowUp:
    follow_ups = scoped(FollowUp.objects.all(), user, "household__village__code", household="household")
    return follow_ups.select_related("household").get(pk=follow_up_id)


def follow_ups_open(*, household_ids: list[int]) -> QuerySet[FollowUp]:
    """Open follow-ups of these households (already read through a scoped selector), earliest date first."""
    return (
        FollowUp.objects.filter(household__in=household_ids, done=False)
        .select_related("household", "visit")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


def assistance_for_household(*, household: Any) -> dict[str, Any]:
    """What the household's record page (一户一档) shows of assistance: the current helper, the helper history,
    the measures and the recent visits with their open follow-ups. The caller has fetched ``household``
    through a scoped selector."""
    pairings = list(household.pairings.select_related("helper").order_by("-started_on", "-pk"))
    current = next((p for p in pairings if p.ended_on is None), None)
    return {
        "current_pairing": current,
        "current_helper": current.helper if current else None,
        "pairings": pairings,
        "measures": list(household.measures.order_by("-started_on", "-pk")),
        "visits": list(
            household.visits.select_related("helper")
            .prefetch_related("follow_ups", "photos")
            .order_by("-visited_on", "-pk")[:10]
        ),
        "open_follow_ups": list(
            FollowUp.objects.filter(household=household, done=False).order_by(F("due_on").asc(nulls_last=True), "pk")
        ),
    }


def helpers_current_of(*, households: Any) -> dict[int, Helper]:
    """The helper each of ``households`` (ids, or a queryset the caller read through its scope) is paired with
    now, by household id; one query for the whole set."""
    pairings = Pairing.objects.filter(household__in=households, ended_on__isnull=True).select_related("helper")
    return {pairing.household_id: pairing.helper for pairing in pairings}


def village_leaders_on(*, village_codes: Collection[str], on: dt.date) -> dict[str, Helper]:
    """The leader (第一书记) of the work team in each village on ``on``, by village code; one query."""
    teams = (
        WorkTeam.objects.filter(village__in=village_codes, leader__isnull=False, started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .select_related("leader")
        .order_by("started_on", "pk")
    )
    return {team.village_id: team.leader for team in teams if team.leader is not None}  # the latest team wins


# --- coverage (遍访) ----------------------------------------------------------------------------------------------

COVERAGE_GROUPS = ("village", "town", "helper")
# The households a helper must visit (应走访户): the registered poor, whatever their exit, and a monitoring case.
STATUSES_TO_VISIT = (
    PovertyStatus.NOT_EXITED,
    PovertyStatus.RELAPSED,
    PovertyStatus.PRE_EXIT,
    PovertyStatus.EXITED,
    PovertyStatus.EXITED_NO_POLICY,
)


def _to_visit(household: str = "") -> Q:
    """The condition "this household should be visited" on a query of households (``household=""``) or of rows
    pointing at one (``household="household"``): a registered poor or exited household (未脱贫, 返贫, 预脱贫,
    已脱贫 either way), or one with an open monitoring case; a 非贫困户 without an open case is not."""
    from jingzhun.monitoring.selectors import cases_open

    path = f"{household}__" if household else ""
    open_case = cases_open().filter(household=OuterRef(household or "pk"))
    return Q(**{f"{path}poverty_status__in": STATUSES_TO_VISIT}) | Q(Exists(open_case))


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    households: int
    visited: int

    @property
    def share(self) -> float | None:
        return self.visited / self.households if self.households else None


def _visited_in(date_from: dt.date, date_to: dt.date, *, household: Any, helper: Any = None) -> Exists:
    """Whether ``household`` (an ``OuterRef``) was visited in the period, by ``helper`` if given. Always read from
    the (household, date) index: a household has a few visits, a helper hundreds (the helper is checked on them)."""
    visits = Visit.objects.filter(household=household, visited_on__range=(date_from, date_to))
    if helper is not None:
        visits = visits.filter(Exact(Unindexed(F("helper_id"), output_field=IntegerField()), helper))
    return Exists(visits)


def visit_coverage(*, user: Any, date_from: dt.date, date_to: dt.date, by: str = "village") -> list[CoverageRow]:
    """Visit coverage over ``[date_from, date_to]`` grouped ``by`` village, town or helper: the households of the
    scope that should be visited (:func:`_to_visit`: registered poor, exited, or with an open monitoring case),
    those visited at least once, and the share. One aggregate query.

    Per helper, the households are those paired with the helper at any time in the period, and a household
    counts as visited when that helper visited it in the period.
    """
    if by not in COVERAGE_GROUPS:
        raise ValueError(f"unknown coverage group {by!r}")
    if by == "helper":
        prefix = _prefix(user)
        if not prefix:
            return []
        pairings = scoped(Pairing.objects.all(), user, "household__village__code", household="household").filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=date_from), _to_visit("household"), started_on__lte=date_to
        )
        visited = _visited_in(date_from, date_to, household=OuterRef("household"), helper=OuterRef("helper"))
        rows = (
            pairings.order_by()
            .values("helper_id", "helper__name", "helper__unit")
            .annotate(
                n=Count("household", distinct=True),
                seen=Count(Case(When(visited, then=F("household_id"))), distinct=True),
            )
            .order_by("helper__name", "helper_id")
        )
        return [
            CoverageRow(str(r["helper_id"]), f"{r['helper__name']}（{r['helper__unit']}）", r["n"], r["seen"])
            for r in rows
        ]
    return _coverage_by_area(user=user, date_from=date_from, date_to=date_to)[by]


def _coverage_by_area(*, user: Any, date_from: dt.date, date_to: dt.date) -> dict[str, list[CoverageRow]]:
    """Coverage by village and by town from one grouped count of the households by village, read from the
    households' (village, status) index alone; a town's row is the sum of its villages' rows (every village has its
    town), and the names are the few areas' own."""
    one_if = IntegerField()
    visited = _visited_in(date_from, date_to, household=OuterRef("pk"))
    rows = list(
        households_for_user(user=user, indexed=True)
        .filter(_to_visit())
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"), seen=Sum(Case(When(visited, then=Value(1)), default=Value(0), output_field=one_if)))
        .order_by("village_id")
    )
    parents, names = {}, {}
    for code, name, parent, parent_name in Area.objects.filter(code__in=[r["village_id"] for r in rows]).values_list(
        "code", "name", "parent_id", "parent__name"
    ):
        parents[code], names[code] = parent, name
        if parent:
            names[parent] = parent_name
    villages: list[CoverageRow] = []
    towns: dict[str, tuple[int, int]] = {}
    for row in rows:
        code, seen = row["village_id"], row["seen"] or 0
        villages.append(CoverageRow(code, names.get(code, ""), row["n"], seen))
        town = parents.get(code) or ""
        households, visited_households = towns.get(town, (0, 0))
        towns[town] = (households + row["n"], visited_households + seen)
    return {
        "village": villages,
        "town": [CoverageRow(code, names.get(code, ""), n, seen) for code, (n, seen) in sorted(towns.items())],
    }


def coverage_by_area_cached(*, user: Any, date_from: dt.date, date_to: dt.date) -> dict[str, list[CoverageRow]]:
    """The coverage tables by village and by town (:func:`visit_coverage`) of the user's scope, kept until the
    households, the cases or the visits change (their versions are in the key): counted over every household of
    the scope, on each view of the coverage page otherwise."""
    from jingzhun.monitoring.selectors import cases_version

    key = ":".join(
        [
            "jingzhun:coverage",
            scope_key(user),
            date_from.isoformat(),
            date_to.isoformat(),
            registry_version(),
            cases_version(),
            visits_version(),
        ]
    )
    tables: dict[str, list[CoverageRow]] = cache.get_or_set(  # type: ignore[assignment]
        key, lambda: _coverage_by_area(user=user, date_from=date_from, date_to=date_to), timeout=3600
    )
    return tables


# Helpers on a page of the coverage by helper.
HELPERS_SHOWN = 50


def helper_coverage_page(
    *, user: Any, date_from: dt.date, date_to: dt.date, after: str = "", before: str = "", size: int = HELPERS_SHOWN
) -> KeysetPage:
    """A page of the coverage by helper (:func:`visit_coverage` ``by="helper"``), in the same order (name, then
    id), counted for the helpers of the page only, and kept as :func:`coverage_by_area_cached` is. Rows are
    :class:`CoverageRow`."""
    from jingzhun.monitoring.selectors import cases_version

    if not _prefix(user):
        return KeysetPage(rows=[], next_after=None, previous_before=None)
    versions = [registry_version(), cases_version(), visits_version()]
    period = [date_from.isoformat(), date_to.isoformat()]
    key = ":".join(["jingzhun:coverage-helpers", scope_key(user), *period, after, before, str(size), *versions])
    page: KeysetPage = cache.get_or_set(  # type: ignore[assignment]
        key,
        lambda: _helper_coverage_page(
            user=user, date_from=date_from, date_to=date_to, after=after, before=before, size=size
        ),
        timeout=3600,
    )
    return page


def _helper_coverage_page(
    *, user: Any, date_from: dt.date, date_to: dt.date, after: str, before: str, size: int
) -> KeysetPage:
    current = Q(ended_on__isnull=True) | Q(ended_on__gte=date_from), _to_visit("household")
    pairings = scoped(Pairing.objects.all(), user, "household__village__code", household="household")
    pairings = pairings.filter(*current, started_on__lte=date_to)
    # The helpers with a pairing to count, found the cheaper way: from the households of the area (an index range,
    # a look-up of each one's pairings) when the area holds fewer than two thirds of the pairings (a town of a
    # county); else by asking each helper, which stops at its first pairing in the area (the whole county: a helper
    # outside the area would have all its pairings read).
    households = sum(
        row.households for row in coverage_by_area_cached(user=user, date_from=date_from, date_to=date_to)["village"]
    )
    pairings_made = Pairing.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if households * 3 < pairings_made * 2:
        ranged = scoped(Pairing.objects.all(), user, "household__village__code", household="household", indexed=True)
        helpers = Helper.objects.filter(pk__in=ranged.filter(*current, started_on__lte=date_to).values("helper_id"))
    else:
        helpers = Helper.objects.filter(Exists(pairings.filter(helper=OuterRef("pk"))))
    page = keyset_page_rows(helpers, order=("name", "id"), after=after, before=before, size=size)
    visited = _visited_in(date_from, date_to, household=OuterRef("household"), helper=OuterRef("helper"))
    counts: dict[int, dict[str, int]] = {
        row["helper_id"]: {"n": row["n"], "seen": row["seen"]}
        for row in pairings.filter(helper__in=[helper.pk for helper in page.rows])
        .order_by()
        .values("helper_id")
        .annotate(
            n=Count("household", distinct=True),
            seen=Count(Case(When(visited, then=F("household_id"))), distinct=True),
        )
    }
    rows = [
        CoverageRow(
            str(helper.pk),
            f"{helper.name}（{helper.unit}）",
            counts.get(helper.pk, {}).get("n", 0),
            counts.get(helper.pk, {}).get("seen", 0),
        )
        for helper in page.rows
    ]
    return KeysetPage(rows=rows, next_after=page.next_after, previous_before=page.previous_before)


def coverage_total(rows: list[CoverageRow]) -> CoverageRow:
    return CoverageRow("", "", sum(r.households for r in rows), sum(r.visited for r in rows))


def households_not_visited(
    *,
    user: Any,
    days: int = DEFAULT_VISIT_DAYS,
    today: dt.date | None = None,
    village_code: str = "",
    helper: Helper | None = None,
) -> QuerySet:
    """Households of the scope that should be visited (as in :func:`visit_coverage`) with no visit in the last
    ``days`` days: never visited, or last visited on or before ``today - days`` (a visit exactly ``days`` days
    ago is due again). Longest unvisited first."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=days)
    households = households_for_user(user=user).filter(_to_visit())
    if village_code:
        households = households.filter(village__code=village_code)
    if helper is not None:
        households = households.filter(
            Exists(Pairing.objects.filter(household=OuterRef("pk"), helper=helper, ended_on__isnull=True))
        )
    current_helper = Pairing.objects.filter(household=OuterRef("pk"), ended_on__isnull=True)
    return (
        households.filter(~Exists(Visit.objects.filter(household=OuterRef("pk"), visited_on__gt=cutoff)))
        .select_related("village")
        .annotate(
            head_name=_head_name(user),
            last_visited=_last_visit(),
            helper_name=Subquery(current_helper.values("helper__name")[:1]),
        )
        .order_by(F("last_visited").asc(nulls_first=True), "household_no")
    )


# --- for the standard tables (reports) ------------------------------------------------------------------------


def measure_counts_by_village(*, user: Any, area_prefix: str, year: int, as_of: dt.date) -> list[dict[str, Any]]:
    """Per village of the user's scope under ``area_prefix`` and measure kind: ``village``, ``kind``, ``n``
    measures started in ``year`` by ``as_of``, the ``households`` they went to and their ``amount``."""
    rows = (
        measures_for_user(user=user)
        .filter(
            household__village__code__startswith=area_prefix,
            started_on__gte=dt.date(year, 1, 1),
            started_on__lte=as_of,
        )
        .values(village=F("household__village_id"), measure_kind=F("kind"))
        .annotate(n=Count("id"), households=Count("household", distinct=True), amount=Sum("amount"))
        .order_by("village", "measure_kind")
    )
    return [dict(row) for row in rows]


def measures_version() -> str:
    """Changes with any measure recorded or edited: the key of figures counted from the measures."""
    m = Measure.objects.aggregate(
        n=Count("id"),
        last=Max("id"),
        started=Max("started_on"),
        total=Sum("amount"),
        kinds=Count("kind", distinct=True),
    )
    return f"{m['n']}.{m['last']}.{m['started']}.{m['total']}.{m['kinds']}"


def visit_coverage_for_area(*, user: Any, area_prefix: str, date_from: dt.date, date_to: dt.date) -> CoverageRow:
    """Visit coverage of the households of the user's scope under ``area_prefix`` over ``[date_from, date_to]``
    (the same households and visits as :func:`visit_coverage`, as one total): one aggregate query."""
    visited = _visited_in(date_from, date_to, household=OuterRef("pk"))
    row = (
        households_for_user(user=user)
        .filter(_to_visit(), village__code__startswith=area_prefix)
        .aggregate(n=Count("pk"), seen=Count("pk", filter=Q(visited)))
    )
    return CoverageRow(area_prefix, "", row["n"], row["seen"])


def visits_version() -> str:
    """Changes with any visit recorded, edited or deleted: with the registry's and the cases' versions, the key of
    the visit coverage. Visits are written only by this app's services, each of which also leaves an
    :class:`AssistanceChange` row (recording a visit, and the bulk seeding); so the newest visit and the newest
    change say it — two primary-key look-ups, where a count and the dates of every visit read them all (560,000 in
    a county of 1,000,000 households)."""
    newest = [
        model.objects.order_by("-id").values_list("id", flat=True).first() or 0 for model in (Visit, AssistanceChange)
    ]
    return ".".join(str(n) for n in newest)
