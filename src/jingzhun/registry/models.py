"""The registry (建档立卡): households, members, yearly incomes, status history and change history.

Living conditions (housing, relocation, water, food and clothing) are current facts of the household and
live on its row; incomes are per year. Every change made through an import or a service is written to
:class:`ChangeRecord` (field level) and, for the poverty status, to :class:`StatusChange`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .vocab import (
    Attribute,
    Cause,
    DisabilityGrade,
    Education,
    EventKind,
    Health,
    HousingGrade,
    Labor,
    MedicalInsurance,
    MemberStatus,
    PovertyStatus,
    Relation,
    Relocation,
    SchoolStatus,
    WorkStatus,
)

if TYPE_CHECKING:

    class _MoneyOptions(TypedDict):
        max_digits: int
        decimal_places: int
        default: Decimal


MONEY: _MoneyOptions = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0")}


class Household(models.Model):
    household_no = models.CharField(_("household number"), max_length=40, unique=True)
    # No index of its own: the (village, poverty_status) index below serves every look-up by village.
    village = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="households", db_index=False)
    poverty_status = models.CharField(
        _("poverty status"), max_length=20, choices=PovertyStatus.choices, default=PovertyStatus.NON_POOR
    )
    attribute = models.CharField(
        _("household attribute"), max_length=20, choices=Attribute.choices, default=Attribute.GENERAL
    )
    year_registered = models.PositiveSmallIntegerField(_("year registered"), null=True, blank=True)
    year_exited = models.PositiveSmallIntegerField(_("year exited"), null=True, blank=True)
    main_cause = models.CharField(_("main cause"), max_length=20, choices=Cause.choices, blank=True)
    # Living conditions.
    food_clothing_ok = models.BooleanField(_("food and clothing secure"), default=True)
    housing_grade = models.CharField(_("housing grade"), max_length=1, choices=HousingGrade.choices, blank=True)
    relocation = models.CharField(_("relocation"), max_length=20, choices=Relocation.choices, default=Relocation.NO)
    water_quality_ok = models.BooleanField(_("water quality meets standard"), null=True, blank=True)
    water_lpd = models.DecimalField(
        _("litres per person per day"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    water_piped = models.BooleanField(_("piped to the home"), null=True, blank=True)
    water_fetch_minutes = models.DecimalField(
        _("round-trip fetch minutes"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    water_supply_rate = models.DecimalField(
        _("supply guarantee rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["village", "poverty_status"])]

    def __str__(self) -> str:
        return self.household_no


# The search's indexes (registry.selectors._member_match), made by SQL in migrations 0011 and 0012 (SQLite's form
# here: PostgreSQL's add ``text_pattern_ops`` and spell the tail ``RIGHT(id_number, 4)``): a bulk import on SQLite
# builds them again after its insert.
MEMBER_SEARCH_INDEXES = {
    "registry_member_name_prefix": "name, household_id",
    "registry_member_given_name_prefix": "SUBSTR(name, 2), household_id",
    "registry_member_id_tail": "SUBSTR(id_number, -4), household_id",
}


class Member(models.Model):
    # No index of its own: the unique (household, id_number) constraint serves every look-up by household.
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members", db_index=False)
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(_("relation to the head"), max_length=20, choices=Relation.choices)
    status = models.CharField(
        _("member status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("male")), ("F", _("female"))])
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    education = models.CharField(_("education level"), max_length=20, choices=Education.choices, blank=True)
    school_status = models.CharField(_("school status"), max_length=20, choices=SchoolStatus.choices, blank=True)
    health = models.CharField(_("health"), max_length=20, choices=Health.choices, blank=True)
    disability_grade = models.CharField(
        _("disability grade"), max_length=1, choices=DisabilityGrade.choices, blank=True
    )
    labor = models.CharField(_("labor"), max_length=20, choices=Labor.choices, blank=True)
    work_status = models.CharField(_("work"), max_length=20, choices=WorkStatus.choices, blank=True)
    work_months = models.PositiveSmallIntegerField(_("months worked"), null=True, blank=True)
    medical_insurance = models.CharField(
        _("basic medical insurance"), max_length=20, choices=MedicalInsurance.choices, blank=True
    )
    pension_insured = models.BooleanField(_("basic pension insurance"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["household", "id_number"], name="member_unique_id_in_household"),
            models.CheckConstraint(condition=models.Q(work_months__lte=12), name="member_work_months_at_most_12"),
        ]
        indexes = [models.Index(fields=["id_number"])]

    def __str__(self) -> str:
        return self.name

    def age_on(self, on: dt.date) -> int:
        """Full years of age on a date (docs/RULES.md §1), from the birth date the ID number encodes."""
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def age_shown(self, today: dt.date, *, unmasked: bool) -> int:
        """The age a page or the API shows: today's for a viewer who sees the whole ID number; for one who sees
        it masked, the age on 1 January of this year. A current age ticks over on the birthday, so watching a
        record day by day would reveal the birth date the mask hides (and with the region and the last four
        characters shown, the whole number); the age on 1 January changes on New Year's Day only."""
        return self.age_on(today if unmasked else dt.date(today.year, 1, 1))


class Income(models.Model):
    """A household's income items for one year (docs/RULES.md §1); amounts are household totals in yuan."""

    # No index of its own: the unique (household, year) constraint serves every look-up by household.
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes", db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    wage = models.DecimalField(_("wage income"), **MONEY)
    business_income = models.DecimalField(_("business income"), **MONEY)
    business_expense = models.DecimalField(_("business expense"), **MONEY)
    dividend = models.DecimalField(_("asset-income dividends"), **MONEY)
    other_property = models.DecimalField(_("other property income"), **MONEY)
    family_planning = models.DecimalField(_("family-planning subsidy"), **MONEY)
    dibao = models.DecimalField(_("minimum living allowance"), **MONEY)
    tekun = models.DecimalField(_("extreme-poverty support"), **MONEY)
    pension = models.DecimalField(_("pension"), **MONEY)
    eco_compensation = models.DecimalField(_("ecological compensation"), **MONEY)
    other_transfer = models.DecimalField(_("other transfer income"), **MONEY)
    medical_self_paid = models.DecimalField(_("self-paid medical cost"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("income")
        verbose_name_plural = _("incomes")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_row_per_year"),
            models.CheckConstraint(
                condition=models.Q(
                    wage__gte=0,
                    business_expense__gte=0,
                    dividend__gte=0,
                    other_property__gte=0,
                    family_planning__gte=0,
                    dibao__gte=0,
                    tekun__gte=0,
                    pension__gte=0,
                    eco_compensation__gte=0,
                    other_transfer__gte=0,
                    medical_self_paid__gte=0,
                ),
                name="income_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}"

    @property
    def net(self) -> Decimal:
        """Annual net income (docs/RULES.md §1)."""
        return (
            self.wage
            + self.business_income
            - self.business_expense
            + self.dividend
            + self.other_property
            + self.family_planning
            + self.dibao
            + self.tekun
            + self.pension
            + self.eco_compensation
            + self.other_transfer
        )


class HouseholdEvent(models.Model):
    """A sudden event that struck a household (突发事件, docs/RULES.md §6 ``sudden_event``): disaster, accident, or
    the death or disability of a main laborer. The loss is what the household lost in yuan (0 when not assessed).

    One row per household, kind and day: recording the same event again (from the page, the API or a re-imported
    file, docs/LEDGER.md §1c) updates its loss and description instead of adding a second event.
    """

    Kind = EventKind

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"))
    loss = models.DecimalField(_("loss (yuan)"), **MONEY)
    note = models.CharField(_("event description"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("household event")
        verbose_name_plural = _("household events")
        constraints = [
            models.CheckConstraint(condition=models.Q(loss__gte=0), name="event_loss_not_negative"),
            models.UniqueConstraint(fields=["household", "kind", "occurred_on"], name="event_once_per_kind_and_day"),
        ]
        indexes = [models.Index(fields=["occurred_on"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.occurred_on}"


class ImportBatch(models.Model):
    """One import of a file: what it was, who ran it, what it did."""

    class Kind(models.TextChoices):
        LEDGER = "ledger", _("household ledger")
        VILLAGES = "villages", _("village facts")
        ADJUSTMENTS = "adjustments", _("adjustment decisions")
        PROJECTS = "projects", _("project library")
        PAYMENTS = "payments", _("benefit payments")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    rows = models.PositiveIntegerField(default=0)
    households_created = models.PositiveIntegerField(default=0)
    households_updated = models.PositiveIntegerField(default=0)
    households_unchanged = models.PositiveIntegerField(default=0)
    households_rejected = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class StatusChange(models.Model):
    """Poverty status history: who changed what, when, why."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=PovertyStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PovertyStatus.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=500)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.from_status} → {self.to_status}"


class ChangeRecord(models.Model):
    """Field-level history of people data (households, members, incomes)."""

    entity = models.CharField(max_length=20)  # household | member | income
    entity_key = models.CharField(max_length=80)  # household_no, household_no/id_number, household_no/year
    field = models.CharField(max_length=40)
    # NULL (no value) and "" (empty text) are different facts in a change record.
    old_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    new_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [models.Index(fields=["entity", "entity_key"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_key}.{self.field}"
