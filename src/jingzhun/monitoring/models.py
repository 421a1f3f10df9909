"""Monitoring cases (防止返贫动态监测, docs/RULES.md §6): one case per household at a time, from discovery through
the 一监测二审核三处置 steps to the county decision, then assistance and risk elimination.

A case's row holds where it stands now; every step taken is a :class:`CaseStep` row that is never changed, so
the history of a case is its steps in order. ``version`` grows with each step: a page or API client sends the
version it saw, and a step based on an older one is refused instead of overwriting another user's step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from jingzhun.policy.models import CATEGORY_TEXT, Category

__all__ = ["CATEGORY_TEXT", "Category"]  # a case's category uses the assessment's codes


class Channel(models.TextChoices):
    SELF_REPORT = "self_report", _("household's own application")
    CADRE_SCREENING = "cadre_screening", _("cadre screening")
    DEPARTMENT_WARNING = "department_warning", _("department warning")


class Stage(models.TextChoices):
    DISCOVERED = "discovered", _("discovered")
    HOME_CHECKED = "home_checked", _("home check done")
    CONSENTED = "consented", _("consent signed")
    COMPARED = "compared", _("data compared")
    VILLAGE_REVIEWED = "village_reviewed", _("village review passed")
    NOTICED = "noticed", _("public notice posted")
    TOWN_REVIEWED = "town_reviewed", _("town review passed")
    MONITORED = "monitored", _("monitored and assisted")
    NOT_INCLUDED = "not_included", _("not included")
    ELIMINATION_PROPOSED = "elimination_proposed", _("risk elimination proposed")
    ELIMINATION_VILLAGE_REVIEWED = "elimination_village_reviewed", _("elimination: village review passed")
    ELIMINATION_NOTICED = "elimination_noticed", _("elimination: public notice posted")
    ELIMINATION_TOWN_REVIEWED = "elimination_town_reviewed", _("elimination: town review passed")
    ELIMINATED = "eliminated", _("risk eliminated")


# Stages before the county's decision: the decision deadline runs while a case is in one of them.
IDENTIFYING = (
    Stage.DISCOVERED,
    Stage.HOME_CHECKED,
    Stage.CONSENTED,
    Stage.COMPARED,
    Stage.VILLAGE_REVIEWED,
    Stage.NOTICED,
    Stage.TOWN_REVIEWED,
)
CLOSED = (Stage.NOT_INCLUDED, Stage.ELIMINATED)


class RiskType(models.TextChoices):
    """致贫返贫风险类型 (docs/RULES.md §6), by their national codes."""

    ILLNESS = "01", "01 因病"
    FLOOD = "0201", "0201 因自然灾害（洪涝）"
    GEOLOGICAL = "0202", "0202 因自然灾害（地质）"
    DROUGHT = "0203", "0203 因自然灾害（旱灾）"
    BIOLOGICAL = "0204", "0204 因自然灾害（生物）"
    WEATHER = "0205", "0205 因自然灾害（气象）"
    EARTHQUAKE = "0206", "0206 因自然灾害（地震）"
    DISASTER_OTHER = "0299", "0299 因自然灾害（其他）"
    DISABILITY = "03", "03 因残"
    NO_LABOR = "04", "04 因缺劳动力"
    ACCIDENT = "05", "05 因意外事故"
    BUSINESS_FAILURE = "06", "06 因产业失败"
    UNSTABLE_WORK = "07", "07 因务工就业不稳"
    SCHOOLING = "09", "09 因学"
    OTHER = "99", "99 其他"


class HelpTier(models.TextChoices):
    """即时帮扶 tiers (docs/RULES.md §6, ours)."""

    A = "A", _("A: relief within days")
    B = "B", _("B: measures within half a month")
    C = "C", _("C: measures within a month")


# The tier a category starts with; a user may change a case's tier, with a reason.
TIER_OF_CATEGORY: dict[str, str] = {
    Category.SUDDEN: HelpTier.A,
    Category.MARGINAL: HelpTier.B,
    Category.UNSTABLE: HelpTier.C,
}


class MonitoringCase(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="monitoring_cases")
    # The household's village and number, copied onto the case so that a list of cases is read in the order of
    # its own index (village, household number, id) within the user's area, a page at a time. Set when the case
    # is created (``save``, and the bulk opening); a database trigger on the household table (migration 0003)
    # copies a household's new village or number onto its cases whatever writes it (a ledger import moves
    # households between villages), and stamps ``updated_at``.
    village_code = models.CharField(max_length=12, db_default="")
    household_no = models.CharField(max_length=40, db_default="")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)  # how it was first found
    stage = models.CharField(
        _("stage"), max_length=30, choices=Stage.choices, default=Stage.DISCOVERED, db_default=Stage.DISCOVERED
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    # RiskType codes. The database defaults let the bulk opening insert cases with INSERT … SELECT.
    risk_types = models.JSONField(_("risk types"), default=list, db_default=[])
    opened_on = models.DateField(_("discovered on"))
    decision_due = models.DateField(_("county decision due"))
    decision_due_estimated = models.BooleanField(default=False, db_default=False)
    notice_started_on = models.DateField(_("notice posted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    monitored_since = models.DateField(_("monitored since"), null=True, blank=True)
    help_tier = models.CharField(_("instant-help tier"), max_length=1, choices=HelpTier.choices, blank=True)
    help_tier_since = models.DateField(null=True, blank=True)
    help_due = models.DateField(_("help due"), null=True, blank=True)
    help_started_on = models.DateField(_("first help given on"), null=True, blank=True)
    measures = models.PositiveIntegerField(_("measures applied"), default=0, db_default=0)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=500, blank=True, db_default="")
    source_run = models.ForeignKey(
        "policy.AssessmentRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, db_default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("monitoring case")
        verbose_name_plural = _("monitoring cases")
        constraints = [
            # One open case per household: a new discovery of a household under monitoring joins its case.
            models.UniqueConstraint(
                fields=["household"], condition=Q(closed_on__isnull=True), name="monitoring_one_open_case"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(stage__in=CLOSED), name="monitoring_closed_stage"
            ),
            models.CheckConstraint(
                condition=~Q(help_tier="") | Q(help_due__isnull=True), name="monitoring_help_due_has_tier"
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "decision_due"]),
            models.Index(fields=["help_due"], condition=Q(help_started_on__isnull=True), name="monitoring_help_open"),
            # The newest edit is part of the version the reports and the dashboard cache their figures under.
            models.Index(fields=["updated_at"], name="monitoring_case_updated"),
            # The lists' order, within an area (a prefix of the village code): every case, and the open ones.
            models.Index(fields=["village_code", "household_no", "id"], name="monitoring_case_listed"),
            models.Index(
                fields=["village_code", "household_no", "id"],
                condition=Q(closed_on__isnull=True),
                name="monitoring_case_open_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.household_id} ({self.stage})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Unset, the field holds its database default (an expression), not "".
        if self._state.adding and not (isinstance(self.household_no, str) and self.household_no):
            self.village_code, self.household_no = self.household.village_id, self.household.household_no
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CaseDiscovery(models.Model):
    """Each time the household was found at risk, through any channel; the first one opened the case."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.CASCADE, related_name="discoveries")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    discovered_on = models.DateField(_("discovered on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    note = models.TextField(_("note"), blank=True)
    source_run = models.ForeignKey(
        "policy.AssessmentRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_ref = models.CharField(max_length=100, blank=True)  # e.g. a data-comparison clue
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["discovered_on", "id"]
        constraints = [
            # A run's warning reaches a case once, however often `monitor open` is run.
            models.UniqueConstraint(
                fields=["case", "source_run"], condition=Q(source_run__isnull=False), name="discovery_once_per_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.discovered_on}"


class CaseStep(models.Model):
    """One step of a case's workflow, as taken: never changed afterwards."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=40)
    from_stage = models.CharField(max_length=30, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=30, choices=Stage.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    role = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, db_default={})  # what the step decided: category, risk types, tier …
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        CONSENT = "consent", _("signed consent")
        MINUTES = "minutes", _("meeting minutes")
        NOTICE_PHOTO = "notice_photo", _("notice photo")
        OTHER = "other", _("other")

    case = models.ForeignKey(MonitoringCase, on_delete=models.CASCADE, related_name="attachments")
    step = models.ForeignKey(CaseStep, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="monitoring/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
