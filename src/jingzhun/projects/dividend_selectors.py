"""Differentiated dividends (差异化分红, docs/RULES.md §9): the distribution of a project's income among its
beneficiary households that take dividends, computed in SQL, and the reads of approved distributions.

The distribution is one statement over the beneficiaries (no Python loop over households): each household's
weight (in whole hundredths) comes from its tier in the latest assessment run of the year, or from its refusal
of an offered post; the distributable amount ``A`` (in cents) is cut into ``A × w div W`` per household, and the
cents left over go one each to the largest remainders ``A × w mod W`` — ties by household number — through a
window function, so the shares sum exactly to ``A`` on SQLite and PostgreSQL alike. A preview runs the same
statement as an approval and stores nothing.

Household lists are people data: a user sees only the rows of its own households (:func:`core.scope.scoped`);
the totals of the whole distribution are shown as totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Collate, Round

from jingzhun.core.scope import SYSTEM, in_scope, scoped, scoped_or_above
from jingzhun.core.sql import q
from jingzhun.policy.models import TIER_TEXT, AssessmentRun, HouseholdResult
from jingzhun.policy.packs import CENT, DEFAULT_PACK, DividendRules, PackError, pack_get
from jingzhun.registry.models import Household

from .models import AssetIncome, Beneficiary, Distribution, Project, Share


class DividendRefused(Exception):
    """A distribution that cannot be computed, approved or paid; the message says why, in Chinese."""


TIER_WORD: dict[str, str] = {str(tier): text for tier, text in TIER_TEXT.items()}
REFUSED, NO_RESULT, NO_TIER = "refused", "no_result", "no_tier"
KIND_TEXT: dict[str, str] = {**TIER_WORD, REFUSED: "拒绝岗位", NO_RESULT: "无评估结果", NO_TIER: "无分层分类"}
KIND_ORDER = (*TIER_WORD, REFUSED, NO_RESULT, NO_TIER)
# A × w must stay inside a signed 64-bit integer on both databases.
_PRODUCT_LIMIT = 2**63 - 1


def hundredths(weight: Decimal) -> int:
    return int(weight * 100)


def weight_text(value: int, rules: DividendRules) -> str:
    """A weight in hundredths written as the pack gives it (``1.5``, ``1.0``, ``0``)."""
    for weight in (*rules.tier_weights.values(), rules.refusal_weight, rules.untiered_weight):
        if hundredths(weight) == value:
            return str(weight)
    return str((Decimal(value) / 100).normalize())


def money(cents: int) -> Decimal:
    """Integer cents as yuan with two decimals, exactly."""
    return Decimal(cents).scaleb(-2)


def distributable_of(income: Decimal, ratio: Decimal) -> Decimal:
    """income × ratio, rounded half up to the cent (docs/RULES.md §9)."""
    return (income * ratio).quantize(CENT, rounding=ROUND_HALF_UP)


def dividend_rules() -> DividendRules:
    """The ratio and weights of the county's pack (the default one, as for the other workflows)."""
    try:
        return pack_get(DEFAULT_PACK).dividend_rules()
    except PackError as error:
        raise DividendRefused(str(error)) from None


def run_for_dividends(*, project: Project, year: int) -> AssessmentRun | None:
    """The latest finished assessment run of ``year`` that covers the project's area (a run of the county, of
    the town or of the village itself; a run of another town does not say anything about these households)."""
    code = project.area_id
    covering = [code[:n] for n in range(len(code) + 1)]
    return (
        AssessmentRun.objects.filter(finished_at__isnull=False, year=year, area_prefix__in=covering)
        .order_by("-id")
        .first()
    )


@dataclass
class Computation:
    """A distribution's inputs and totals (the whole project, whoever looks at it); its rows come from
    :func:`shares_sql`."""

    project: Project
    year: int
    income: Decimal
    rules: DividendRules
    run: AssessmentRun | None
    distributable: Decimal
    households: int
    weight_total: int  # hundredths
    counts: list[dict[str, Any]] = field(default_factory=list)  # by kind: label, households, weight, share

    @property
    def distributable_cents(self) -> int:
        return int(self.distributable * 100)

    @property
    def weight_total_text(self) -> str:
        return str((Decimal(self.weight_total) / 100).quantize(CENT))


def _base_sql(rules: DividendRules) -> tuple[str, list[Any]]:
    """The beneficiaries taking dividends with household number, village, tier code, kind, weight (hundredths)
    and reason. Parameters: the rules' weights, then run id and project id."""
    no_result = "r.id IS NULL OR r.exclusion <> ''"
    tier_cases = " ".join("WHEN r.tier = %s THEN CAST(%s AS INTEGER)" for _ in TIER_WORD)
    tier_params: list[Any] = []
    for code, word in TIER_WORD.items():
        tier_params += [code, hundredths(rules.tier_weights[word])]
    sql = (
        f"SELECT b.household_id AS household_id, h.household_no AS household_no, h.village_id AS village_code, "
        f"CASE WHEN {no_result} THEN '' ELSE r.tier END AS tier, "
        f"CASE WHEN b.refused_post THEN '{REFUSED}' WHEN {no_result} THEN '{NO_RESULT}' "
        f"WHEN r.tier = '' THEN '{NO_TIER}' ELSE r.tier END AS kind, "
        f"CASE WHEN b.refused_post THEN CAST(%s AS INTEGER) WHEN {no_result} THEN CAST(%s AS INTEGER) "
        f"{tier_cases} ELSE CAST(%s AS INTEGER) END AS w, "
        f"CASE WHEN b.refused_post THEN '拒绝岗位：' || b.refusal_reason WHEN {no_result} THEN '无评估结果' "
        f"WHEN r.tier = '' THEN '无分层分类' ELSE '' END AS reason "
        f"FROM {q(Beneficiary._meta.db_table)} b "
        f"JOIN {q(Household._meta.db_table)} h ON h.id = b.household_id "
        f"LEFT JOIN {q(HouseholdResult._meta.db_table)} r ON r.run_id = %s AND r.household_id = b.household_id "
        f"WHERE b.project_id = %s AND b.by_dividend"
    )
    untiered = hundredths(rules.untiered_weight)
    return sql, [hundredths(rules.refusal_weight), untiered, *tier_params, untiered]


def _by_number() -> str:
    """Household numbers in code-point order on both databases (PostgreSQL's default collation is a locale's)."""
    return 'household_no COLLATE "C"' if connection.vendor == "postgresql" else "household_no"


def shares_sql(computation: Computation, *, households: QuerySet[Any] | None = None) -> tuple[str, list[Any]]:
    """One row per beneficiary household — household_id, household_no, tier, kind, w, reason, share_cents — by
    household number; only the households of ``households`` (a queryset of ids) when given. The whole
    distribution is computed whatever is listed."""
    base, params = _base_sql(computation.rules)
    amount = computation.distributable_cents
    by_number = _by_number()
    sql = (
        f"WITH base AS ({base}), "
        f"cut AS (SELECT base.*, (CAST(%s AS BIGINT) * w) / t.total AS floor_cents, "
        f"(CAST(%s AS BIGINT) * w) %% t.total AS remainder "
        f"FROM base CROSS JOIN (SELECT SUM(w) AS total FROM base) t WHERE t.total > 0), "
        f"ranked AS (SELECT cut.*, ROW_NUMBER() OVER (ORDER BY remainder DESC, {by_number}) AS place, "
        f"SUM(floor_cents) OVER () AS floor_total FROM cut) "
        f"SELECT household_id, household_no, tier, kind, w, reason, "
        f"floor_cents + CASE WHEN place <= CAST(%s AS BIGINT) - floor_total THEN 1 ELSE 0 END AS share_cents "
        f"FROM ranked"
    )
    params = [*params, computation.run.pk if computation.run else None, computation.project.pk, amount, amount, amount]
    if households is not None:
        listed_sql, listed_params = households.query.sql_with_params()
        sql += f" WHERE household_id IN ({listed_sql})"
        params += list(listed_params)
    return sql + f" ORDER BY {by_number}", params


def computation_for(*, project: Project, year: int, income: Decimal, rules: DividendRules | None = None) -> Computation:
    """The inputs and totals of distributing ``income`` of ``project`` for ``year``: refused, with the reason,
    when there is nothing to distribute to (no household takes dividends, or every weight is 0)."""
    if income < 0:
        raise DividendRefused("项目收益不能为负数。")
    if income != income.quantize(CENT):
        raise DividendRefused("项目收益最多两位小数（元，精确到分）。")
    rules = rules or dividend_rules()
    run = run_for_dividends(project=project, year=year)
    base, params = _base_sql(rules)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, COUNT(*), SUM(w) FROM ({base}) base GROUP BY kind",
            [*params, run.pk if run else None, project.pk],
        )
        by_kind = {kind: (int(n), int(w)) for kind, n, w in cursor.fetchall()}
    households = sum(n for n, _w in by_kind.values())
    total = sum(w for _n, w in by_kind.values())
    distributable = distributable_of(income, rules.ratio)
    if not households:
        raise DividendRefused(f"项目 {project.code} 没有以分红方式受益的户，无法分红。")
    if total == 0:
        raise DividendRefused(
            f"项目 {project.code} 的 {households} 户受益户权重全部为 0（均拒绝了所提供的岗位），无法分红；"
            "请核实受益户名单或拒绝岗位情况。"
        )
    largest = max(hundredths(w) for w in (*rules.tier_weights.values(), rules.refusal_weight, rules.untiered_weight))
    if int(distributable * 100) * largest > _PRODUCT_LIMIT:
        raise DividendRefused(f"可分红金额 {distributable} 元过大，无法计算。")
    counts = [
        {"kind": kind, "label": KIND_TEXT[kind], "households": by_kind[kind][0]}
        for kind in KIND_ORDER
        if kind in by_kind
    ]
    return Computation(
        project=project,
        year=year,
        income=income,
        rules=rules,
        run=run,
        distributable=distributable,
        households=households,
        weight_total=total,
        counts=counts,
    )


@dataclass(frozen=True)
class ShareRow:
    household_id: int
    household_no: str
    tier: str  # the Chinese tier name, "" for none
    weight: str  # as the pack gives it
    share: Decimal
    reason: str


def share_rows(computation: Computation, *, user: Any) -> Iterator[ShareRow]:
    """The computed shares of the households ``user`` may see (:data:`SYSTEM`: all), by household number,
    streamed from the database."""
    listed = None if user is SYSTEM else _household_ids(user)
    sql, params = shares_sql(computation, households=listed)
    weights: dict[int, str] = {}  # a handful of distinct weights: written once each
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(2000):
            for household_id, household_no, tier, _kind, w, reason, cents in chunk:
                text = weights.get(w)
                if text is None:
                    text = weights[w] = weight_text(int(w), computation.rules)
                yield ShareRow(household_id, household_no, TIER_WORD.get(tier or "", ""), text, money(cents), reason)


def _household_ids(user: Any) -> QuerySet[Any]:
    return scoped(Household.objects.all(), user, "village__code", household="pk").values("id")


def dividend_preview(*, user: Any, project: Project, year: int, income: Decimal) -> Computation:
    """The distribution of ``income`` as it would be approved now, for a project the user may see; stored
    nowhere. List its rows with :func:`share_rows`."""
    if not projects_visible(user=user).filter(pk=project.pk).exists():
        raise DividendRefused("没有找到该项目。")
    return computation_for(project=project, year=year, income=income)


def projects_visible(*, user: Any) -> QuerySet[Project]:
    return scoped_or_above(Project.objects.all(), user, "area__code")


# --- approved distributions ----------------------------------------------------------------------------------


def distributions_for_user(*, user: Any) -> QuerySet[Distribution]:
    """Approved and paid distributions of the projects the user may see, newest year first."""
    return (
        Distribution.objects.filter(project__in=projects_visible(user=user))
        .select_related("project", "project__area")
        .order_by("-year", "project__code")
    )


def distribution_get_for_user(*, user: Any, distribution_id: int) -> Distribution:
    from django.http import Http404

    found = distributions_for_user(user=user).filter(pk=distribution_id).first()
    if found is None:
        raise Http404("没有找到该分红。")
    return found


def shares_for_user(*, user: Any, distribution: Distribution) -> QuerySet[Share]:
    """The distribution's shares of the households the user may see (:data:`SYSTEM`: all), by household
    number in code-point order as the computation orders them."""
    shares = Share.objects.filter(distribution=distribution)
    if user is not SYSTEM:
        shares = scoped(shares, user, "household__village__code", household="household")
    number = Collate("household_no", "C") if connection.vendor == "postgresql" else F("household_no")
    return shares.order_by(number)


def stored_share_rows(
    *, user: Any, distribution: Distribution, rules: DividendRules | None = None
) -> Iterator[ShareRow]:
    """The approved shares as the computation wrote them (weights as the pack gives them)."""
    rules = rules or dividend_rules()
    values = shares_for_user(user=user, distribution=distribution).values_list(
        "household_id", "household_no", "tier", "weight", "share", "reason"
    )
    for household_id, household_no, tier, weight, share, reason in values.iterator(chunk_size=2000):
        yield ShareRow(
            household_id, household_no, TIER_WORD.get(tier, ""), weight_text(hundredths(weight), rules), share, reason
        )


def share_tier_counts(*, distribution: Distribution) -> list[dict[str, Any]]:
    """Households and money of a whole distribution by tier (or why it has none): totals, not people data."""
    rows = (
        Share.objects.filter(distribution=distribution)
        .values("tier", "reason")
        .annotate(households=Count("id"), cents=Sum(Round(F("share") * 100)))
    )
    counts: dict[str, dict[str, Any]] = {}
    for row in rows:
        reason = row["reason"]
        kind = (
            REFUSED
            if reason.startswith("拒绝岗位")
            else NO_RESULT
            if reason == "无评估结果"
            else NO_TIER
            if reason == "无分层分类"
            else row["tier"]
        )
        entry = counts.setdefault(kind, {"kind": kind, "label": KIND_TEXT.get(kind, kind), "households": 0})
        entry["households"] += row["households"]
        # In cents: SQLite adds decimals as floating point, which a large sum would show.
        entry["share"] = entry.get("share", Decimal(0)) + money(int(row["cents"] or 0))
    return [counts[kind] for kind in KIND_ORDER if kind in counts]


def project_distributions(*, project: Project) -> list[Distribution]:
    """The project's approved and paid distributions, newest year first (for the project page; the project
    itself has been read through the scope guard)."""
    return list(Distribution.objects.filter(project=project).order_by("-year"))


def household_dividend_shares(*, household: Household) -> list[dict[str, Any]]:
    """The household's dividend shares, newest year first, for its record (一户一档): project code and name, year,
    tier, weight, share, stage (the household has been read through the scope guard)."""
    rows = (
        Share.objects.filter(household=household)
        .select_related("distribution", "distribution__project")
        .order_by("-distribution__year", "distribution__project__code")
    )
    return [
        {
            "project_code": s.distribution.project.code,
            "project_name": s.distribution.project.name,
            "year": s.distribution.year,
            "tier": TIER_WORD.get(s.tier, ""),
            "weight": s.weight,
            "share": s.share,
            "reason": s.reason,
            "stage": s.distribution.stage,
            "stage_text": s.distribution.get_stage_display(),
        }
        for s in rows
    ]


def asset_income_of(*, project: Project, year: int) -> Decimal:
    """The income the project's assets brought in ``year`` (the preview's default project income)."""
    total = AssetIncome.objects.filter(asset__project=project, year=year).aggregate(total=Sum("amount"))["total"]
    return (total or Decimal(0)).quantize(CENT)


def may_approve(*, user: Any, project: Project) -> bool:
    """Whether ``user`` may approve and pay the project's dividends: the capability, and the project in its own
    area."""
    from jingzhun.accounts.permissions import Capability, user_can

    return user is SYSTEM or (user_can(user, Capability.APPROVE_DIVIDENDS) and in_scope(user, project.area_id))
