"""The shares of docs/RULES.md §9, computed in SQL, against a plain Python reading of the rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.core.scope import SYSTEM
from jingzhun.projects.dividend_selectors import DividendRefused, computation_for, share_rows
from jingzhun.projects.models import Beneficiary
from tests.factories import HouseholdFactory, ProjectFactory

from .dividend_data import run_with_tiers

pytestmark = pytest.mark.django_db
WEIGHT = {
    "fragile": Decimal("1.5"),
    "general": Decimal("1.2"),
    "stable": Decimal("1.0"),
    "high_quality": Decimal("0.5"),
}
TIERS = ["fragile", "general", "stable", "high_quality", "", None, "refused"]


def reference(income: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """§9 read literally: amount = income × 0.6 half up; exact share cut to the cent; leftover cents one each to
    the largest cut-off remainders, equal remainders by household number."""
    amount = (income * Decimal("0.6")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    total = sum(weights.values())
    exact = {no: Fraction(amount) * Fraction(w) / Fraction(total) for no, w in weights.items()}
    cut = {no: Fraction(int(share * 100), 100) for no, share in exact.items()}
    left = int((Fraction(amount) - sum(cut.values())) * 100)
    order = sorted(weights, key=lambda no: (-(exact[no] - cut[no]), no))
    for no in order[:left]:
        cut[no] += Fraction(1, 100)
    return {no: Decimal(share.numerator) / Decimal(share.denominator) for no, share in cut.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    income=st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2),
    tiers=st.lists(st.sampled_from(TIERS), min_size=1, max_size=12),
)
def test_shares_follow_the_rule(users_by_role, income, tiers):
    village = users_by_role.village_a
    households = [HouseholdFactory(village=village) for _ in tiers]
    project = ProjectFactory(area=village)
    Beneficiary.objects.bulk_create(
        Beneficiary(
            project=project,
            household=h,
            by_dividend=True,
            refused_post=tier == "refused",
            refusal_reason="不愿上岗" if tier == "refused" else "",
        )
        for h, tier in zip(households, tiers, strict=True)
    )
    run_with_tiers(2025, {h: t for h, t in zip(households, tiers, strict=True) if t != "refused"})
    weights = {
        h.household_no: Decimal(0) if t == "refused" else WEIGHT.get(t or "", Decimal("1.0"))
        for h, t in zip(households, tiers, strict=True)
    }
    if sum(weights.values()) == 0:
        with pytest.raises(DividendRefused, match="权重全部为 0"):
            computation_for(project=project, year=2025, income=income)
        return
    computation = computation_for(project=project, year=2025, income=income)
    rows = list(share_rows(computation, user=SYSTEM))
    shares = {row.household_no: row.share for row in rows}
    assert [row.household_no for row in rows] == sorted(weights)
    assert shares == reference(income, weights)
    assert sum(shares.values()) == computation.distributable
    assert all(share >= 0 for share in shares.values())
    assert all(shares[no] == 0 for no, w in weights.items() if w == 0)


def test_equal_remainders_go_by_household_number(users_by_role):
    """Three equal weights and 1.00 yuan: 0.33 each and the last cent to the smallest household number."""
    project = ProjectFactory()
    households = [HouseholdFactory(household_no=no) for no in ("B0002", "A0003", "C0001")]
    for h in households:
        Beneficiary.objects.create(project=project, household=h, by_dividend=True)
    computation = computation_for(project=project, year=2025, income=Decimal("1.67"))  # 1.00 distributable
    shares = {row.household_no: row.share for row in share_rows(computation, user=SYSTEM)}
    assert shares == {"A0003": Decimal("0.34"), "B0002": Decimal("0.33"), "C0001": Decimal("0.33")}


def test_a_pack_with_a_tier_missing_from_its_weights_is_refused(tmp_path):
    from jingzhun.policy.packs import PackError, pack_check

    path = tmp_path / "county.toml"
    path.write_text(
        '[pack]\nname = "county-x"\nversion = "1"\nyears = [2020]\nextends = "national"\n\n'
        '[parameters.dividend_tier_weights]\nvalue = { "易返贫户" = 1.5, "一般户" = 1.2, "稳定脱贫户" = 1.0 }\n',
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="dividend_tier_weights 应为四类户的权重表"):
        pack_check(path)
