"""Helpers and their pairings with households, village work teams and their attendance, assistance measures,
home visits with follow-ups and photos (帮扶), and the append-only history of every change made here.

A pairing (结对) is current while ``ended_on`` is empty; the database allows one current pairing per household.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingzhun.accounts.models import AppendOnlyModel
from jingzhun.core.scope import account_of


class MeasureKind(models.TextChoices):
    INDUSTRY = "industry", _("industry")
    EMPLOYMENT = "employment", _("employment")
    PUBLIC_WELFARE_JOB = "public_welfare_job", _("public welfare job")
    EDUCATION = "education", _("education")
    HEALTH = "health", pgettext_lazy("assistance measure kind", "health")
    SAFETY_NET = "safety_net", _("safety net")
    HOUSING = "housing", _("housing")
    WATER = "water", _("drinking water")
    FINANCE = "finance", _("finance")
    TEMPORARY_RELIEF = "temporary_relief", _("temporary relief")
    SOCIAL = "social", _("social assistance")
    CONSUMPTION = "consumption", _("consumption assistance")


class HelperKind(models.TextChoices):
    HELPER = "helper", _("helper")
    FIRST_SECRETARY = "first_secretary", _("first secretary")
    TEAM_MEMBER = "team_member", _("work team member")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    LEAVE = "leave", _("on leave")
    ABSENT = "absent", _("absent")


class Helper(models.Model):
    """A cadre who helps households: 帮扶责任人, 第一书记 or a work-team member, from a unit (单位).

    ``area`` is where the helper works and who manages them: the scope a user must cover to manage the helper.
    """

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=HelperKind.choices, default=HelperKind.HELPER)
    unit = models.CharField(_("unit"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helper",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("helper")
        verbose_name_plural = _("helpers")

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Pairing(models.Model):
    """A helper paired with a household (结对) from ``started_on``; ``ended_on`` and the reason close it."""

    helper = models.ForeignKey(Helper, on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="pairings")
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(ended_on__isnull=True), name="pairing_one_current_per_household"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="pairing_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["helper", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.helper_id} ↔ {self.household_id} {self.started_on}–{self.ended_on or ''}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class WorkTeam(models.Model):
    """A village work team (驻村工作队) sent by a unit; its leader is the village's first secretary."""

    village = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("dispatching unit"), max_length=200)
    leader = models.ForeignKey(
        Helper, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="teams_led", null=True, blank=True
    )
    members = models.ManyToManyField(
        Helper, verbose_name=pgettext_lazy("work team", "members"), related_name="teams", blank=True
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("work team")
        verbose_name_plural = _("work teams")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="work_team_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.village_id}"


class Attendance(models.Model):
    """One day of one work-team member: present, on leave or absent."""

    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Helper, on_delete=models.PROTECT, related_name="attendance")
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=AttendanceStatus.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["team", "member", "date"], name="attendance_one_per_member_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.date} {self.status}"


class Measure(models.Model):
    """An assistance measure given to a household (帮扶措施); linked to its monitoring case when one was open."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="measures")
    case = models.ForeignKey(
        "monitoring.MonitoringCase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistance_measures",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    content = models.CharField(_("content"), max_length=500)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="measure_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="measure_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.started_on}"


class Visit(models.Model):
    """A home visit (走访): who went, when, what they found and what the household asked for (诉求)."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="visits")
    helper = models.ForeignKey(Helper, verbose_name=_("helper"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("visit date"))
    findings = models.TextField(_("findings"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["household", "visited_on"]), models.Index(fields=["helper", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


class FollowUp(models.Model):
    """Something a visit left to do (待办/跟进事项), open until closed; ``due_on`` is the follow-up date."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("follow-up"), max_length=500)
    due_on = models.DateField(_("follow up by"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["household", "done"])]

    def __str__(self) -> str:
        return self.text


def _photo_path(instance: VisitPhoto, filename: str) -> str:
    # The uploader's file name is never used on disk: a random name with the sniffed type's suffix.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"assistance/visits/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class VisitPhoto(models.Model):
    """A photo taken on a visit; stored under MEDIA_ROOT and served only through the scoped photo view."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=300)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.file.name or ""


class AssistanceChange(AppendOnlyModel):
    """Append-only history of every change made in this app: who, when, what, and on which household."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT, as in the access log: a SET_NULL would be an update the append-only rows refuse.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entity = models.CharField(max_length=20)  # helper | pairing | work_team | attendance | measure | visit | …
    entity_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=20)  # create | end | close | …
    household_no = models.CharField(max_length=40, blank=True, db_index=True)
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("assistance change")
        verbose_name_plural = _("assistance changes")
        indexes = [models.Index(fields=["entity", "entity_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.entity}#{self.entity_id} {self.action}"

    @classmethod
    def record(cls, *, user: Any, entity: str, entity_id: int, action: str, household_no: str = "", **detail: Any):
        return cls.objects.create(
            user=account_of(user),
            entity=entity,
            entity_id=entity_id,
            action=action,
            household_no=household_no,
            detail=detail,
        )
