"""Assessment runs and their results. A run is immutable once written: it records the pack and every
parameter value it used, so any result can be explained later even after the pack changes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """分层分类 (docs/RULES.md §7): of exited households only; every other household has none (an empty ``tier``)."""

    FRAGILE = "fragile", _("easily relapsing")
    GENERAL = "general", _("general")
    STABLE = "stable", _("stably out of poverty")
    HIGH_QUALITY = "high_quality", _("high-quality exit")


class Category(models.TextChoices):
    """Monitoring category suggested for a flagged household (docs/RULES.md §6)."""

    UNSTABLE = "unstable", _("unstable after exit")
    MARGINAL = "marginal", _("marginal, easily impoverished")
    SUDDEN = "sudden", _("sudden severe hardship")


# The Chinese names of the exchange formats (docs/LEDGER.md §3), independent of the UI language.
TIER_TEXT = {
    Tier.FRAGILE: "易返贫户",
    Tier.GENERAL: "一般户",
    Tier.STABLE: "稳定脱贫户",
    Tier.HIGH_QUALITY: "高质量脱贫户",
}
CATEGORY_TEXT = {
    Category.UNSTABLE: "脱贫不稳定户",
    Category.MARGINAL: "边缘易致贫户",
    Category.SUDDEN: "突发严重困难户",
}


INDICATORS = ("income_ok", "food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")
OUTCOMES = ("meets_standard", "exit_eligible", "identify_candidate", "relapse_candidate", "monitoring_flag")
TRIGGERS = ("low_income", "income_drop", "medical_burden", "sudden_event")
# Every true/false column of HouseholdResult, in the order of docs/LEDGER.md §3 and then the triggers.
RESULT_FLAGS = (*INDICATORS, *OUTCOMES, *TRIGGERS)
# What the pages call each true/false column (the UI language; the exchange formats keep their own Chinese).
FLAG_LABELS = {
    "income_ok": _("income meets the line"),
    "food_clothing_ok": _("food and clothing secure"),
    "education_ok": _("compulsory education guaranteed"),
    "medical_ok": _("basic medical care guaranteed"),
    "housing_ok": _("safe housing guaranteed"),
    "water_ok": _("safe drinking water guaranteed"),
    "meets_standard": _("meets the exit standard"),
    "exit_eligible": _("may exit"),
    "identify_candidate": _("possibly missed poor household"),
    "relapse_candidate": _("possibly relapsed"),
    "monitoring_flag": _("monitoring alert"),
    "low_income": _("low income"),
    "income_drop": _("income drop"),
    "medical_burden": _("heavy medical burden"),
    "sudden_event": _("sudden event"),
}


# A household on one side of a transition table only (registered since the earlier run, or gone from the area).
ABSENT = ""


def _yuan(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


class AssessmentRun(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    pack = models.CharField(_("rule pack"), max_length=60)
    pack_version = models.CharField(_("pack version"), max_length=40)
    parameters = models.JSONField(_("parameters used"))
    area_prefix = models.CharField(_("area scope"), max_length=12, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    households = models.PositiveIntegerField(_("households assessed"), default=0)
    excluded = models.PositiveIntegerField(_("households excluded"), default=0)
    seconds = models.FloatField(default=0)
    # Where the registry's history stood when the run read it (registry.selectors.registry_marks): the households
    # changed since are the only ones whose status or people differ from the run's results. None for runs made
    # before it was kept.
    registry_marks = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.year} {self.pack}"


class HouseholdResult(models.Model):
    """One household in one run. Indicators are NULL when the household was excluded (``exclusion`` says why)."""

    # No single-column indexes: the unique (run, household) and the (household, run) index cover both keys,
    # and every index is paid for on each run's million-row insert.
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="household_results", db_index=False)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="assessments", db_index=False
    )
    household_no = models.CharField(max_length=40)
    village_code = models.CharField(max_length=12)
    poverty_status = models.CharField(max_length=20)  # the status when the run was made
    size = models.PositiveSmallIntegerField()
    net_income_cents = models.BigIntegerField(null=True)
    income_per_capita_cents = models.BigIntegerField(null=True)
    income_ok = models.BooleanField(null=True)
    food_clothing_ok = models.BooleanField(null=True)
    education_ok = models.BooleanField(null=True)
    medical_ok = models.BooleanField(null=True)
    housing_ok = models.BooleanField(null=True)
    water_ok = models.BooleanField(null=True)
    meets_standard = models.BooleanField(null=True)
    exit_eligible = models.BooleanField(null=True)
    identify_candidate = models.BooleanField(null=True)
    relapse_candidate = models.BooleanField(null=True)
    monitoring_flag = models.BooleanField(null=True)
    low_income = models.BooleanField(null=True)
    income_drop = models.BooleanField(null=True)
    medical_burden = models.BooleanField(null=True)
    sudden_event = models.BooleanField(null=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    suggested_category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    reasons = models.TextField(blank=True)
    exclusion = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="result_one_per_household")]
        indexes = [
            models.Index(fields=["run", "household_no"]),
            models.Index(fields=["household", "run"]),
            models.Index(fields=["run", "village_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.household_no}"

    @property
    def net_income(self) -> Decimal | None:
        return _yuan(self.net_income_cents)

    @property
    def income_per_capita(self) -> Decimal | None:
        return _yuan(self.income_per_capita_cents)

    @property
    def triggers(self) -> list[str]:
        return [name for name in TRIGGERS if getattr(self, name)]


class VillageTally(models.Model):
    """A run's results of one village and one poverty status (the status when the run was made), counted once
    as the run is stored: the run page's figures for any area are sums of these rows (a few thousand a run)
    instead of a count over the run's million results on every view. Counts of outcomes and tiers are of the
    assessed households (no ``exclusion``), as :func:`~jingzhun.policy.selectors.run_summary` counts them."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="tallies", db_index=False)
    village_code = models.CharField(max_length=12)
    poverty_status = models.CharField(max_length=20)
    households = models.PositiveIntegerField()  # every result, excluded households too
    people = models.PositiveIntegerField()  # their sizes: active members when the run was made
    assessed = models.PositiveIntegerField()
    meets_standard = models.PositiveIntegerField()
    exit_eligible = models.PositiveIntegerField()
    identify_candidate = models.PositiveIntegerField()
    relapse_candidate = models.PositiveIntegerField()
    monitoring_flag = models.PositiveIntegerField()
    fragile = models.PositiveIntegerField()
    general = models.PositiveIntegerField()
    stable = models.PositiveIntegerField()
    high_quality = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "village_code", "poverty_status"], name="tally_one_per_cell")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.village_code}/{self.poverty_status}"


class AreaResult(models.Model):
    """Incidence and exit eligibility of a village, town or county in one run (docs/RULES.md §5)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="area_results", db_index=False)
    area_code = models.CharField(max_length=12)
    level = models.CharField(max_length=10)
    population = models.PositiveIntegerField(null=True)
    poor_population = models.PositiveIntegerField()
    incidence_bp = models.PositiveIntegerField(null=True)  # basis points: 1.23 % is 123
    exit_eligible = models.BooleanField()
    reasons = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "area_code"], name="area_result_one_per_area")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.area_code}"

    @property
    def incidence_pct(self) -> Decimal | None:
        return _yuan(self.incidence_bp)


class AreaExit(models.Model):
    """A poor village's or a county's exit (摘帽), as the county decided it: one per area, never changed.

    A mistaken record is not edited or replaced here (the decision itself would have to be revoked by a new
    document): it stays as recorded, with who recorded it and when. What the latest assessment said of the area
    when the exit was recorded is kept beside it, with the reason given for recording it anyway.
    """

    class Kind(models.TextChoices):
        VILLAGE = "village", _("poor village exit")
        COUNTY = "county", _("county exit")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="exits")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("exit year"))
    document_no = models.CharField(_("decision document number"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    note = models.TextField(_("note"), blank=True)
    # The latest run's exit test of the area when the exit was recorded (None: the area had not been assessed).
    run = models.ForeignKey(AssessmentRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    test_met = models.BooleanField(_("exit test met"), null=True)
    test_reasons = models.TextField(blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("area exit")
        verbose_name_plural = _("area exits")
        constraints = [
            models.UniqueConstraint(fields=["area"], name="area_exit_one_per_area"),
            models.CheckConstraint(
                condition=models.Q(test_met=True) | ~models.Q(override_reason=""), name="area_exit_override_needed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"


class AreaExitDocument(models.Model):
    """A file of an exit's decision (the document, minutes, a notice photo): kept as uploaded, served as a
    download only."""

    exit = models.ForeignKey(AreaExit, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="policy/exits/%Y/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
