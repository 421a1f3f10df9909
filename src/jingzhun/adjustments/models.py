"""Registry adjustment cases (动态调整, docs/LEDGER.md §8): a household's status or members change by a procedure —
application or discovery → village review (民主评议) → village notice (公示) → town review → county decision →
announcement (公告) — and the county's decision writes the registry through its services, with history.

A case's row holds where it stands; every step taken is an :class:`AdjustmentStep` that is never changed, and
``version`` grows with each step so that a step based on an older page is refused (as for monitoring cases).
A decision imported from the year's workbook (托底清零) is a case that starts decided, with its document number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    IDENTIFY = "identify", _("identification")
    EXIT = "exit", _("exit from poverty")
    RELAPSE = "relapse", _("return to poverty")
    TO_NO_POLICY = "to_no_policy", _("to no more policy")
    TO_POLICY = "to_policy", _("back to policy")
    CANCEL = "cancel", _("cancel a wrong registration")
    MEMBER_ADD = "member_add", _("add a member")
    MEMBER_REMOVE = "member_remove", _("remove a member")
    MEMBER_CORRECT = "member_correct", _("correct a member")


STATUS_KINDS = (Kind.IDENTIFY, Kind.EXIT, Kind.RELAPSE, Kind.TO_NO_POLICY, Kind.TO_POLICY, Kind.CANCEL)
MEMBER_KINDS = (Kind.MEMBER_ADD, Kind.MEMBER_REMOVE, Kind.MEMBER_CORRECT)


class Stage(models.TextChoices):
    APPLIED = "applied", _("applied")
    VILLAGE_REVIEWED = "village_reviewed", _("village review passed")
    NOTICED = "noticed", _("public notice posted")
    TOWN_REVIEWED = "town_reviewed", _("town review passed")
    DECIDED = "decided", _("decided by the county")
    ANNOUNCED = "announced", _("announced")
    NOT_APPROVED = "not_approved", _("not approved")


# A case is closed once the county has decided (the registry is written) or a review did not pass; the
# announcement of a decided status change is recorded afterwards.
CLOSED = (Stage.DECIDED, Stage.ANNOUNCED, Stage.NOT_APPROVED)


class Source(models.TextChoices):
    PAGE = "page", _("application in the office")
    WORKBOOK = "workbook", _("decision workbook")


class AdjustmentCase(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="adjustment_cases")
    kind = models.CharField(_("adjustment"), max_length=20, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.APPLIED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    # The status the household had when the case was opened, and the one the decision gives it (status kinds).
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    # The member concerned: the one removed or corrected, or the new member's number (member kinds).
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="adjustment_cases"
    )
    member_id_number = models.CharField(max_length=18, blank=True)
    # 增加成员: the new member's fields; 修正成员信息: the corrected fields; 减少成员: {"status": …} (stored codes).
    member_values = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("reason"))
    # People the decided change concerns: the household's members on the register when a status change was
    # decided (later member changes do not rewrite the year's figures); 1 for a member change.
    people = models.PositiveSmallIntegerField(null=True, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    applied_on = models.DateField(_("applied on"))
    decision_due = models.DateField(_("county decision due"), null=True, blank=True)
    notice_started_on = models.DateField(_("notice posted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_no = models.CharField(_("decision document number"), max_length=100, blank=True)
    announced_on = models.DateField(_("announced on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=500, blank=True)
    batch = models.ForeignKey("registry.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL)
    version = models.PositiveIntegerField(default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("adjustment case")
        verbose_name_plural = _("adjustment cases")
        constraints = [
            # One status procedure at a time per household; member changes may run beside it, one per member.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(closed_on__isnull=True, kind__in=STATUS_KINDS),
                name="adjustment_one_open_status_case",
            ),
            models.UniqueConstraint(
                fields=["household", "member_id_number"],
                condition=Q(closed_on__isnull=True, kind__in=MEMBER_KINDS),
                name="adjustment_one_open_member_case",
            ),
            # A county document decides a change once: re-importing the year's workbook finds it decided.
            models.UniqueConstraint(
                fields=["household", "kind", "decision_no", "member_id_number"],
                condition=~Q(decision_no="") & Q(stage__in=(Stage.DECIDED, Stage.ANNOUNCED)),
                name="adjustment_decided_once",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(stage__in=CLOSED), name="adjustment_closed_stage"
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=(Stage.DECIDED, Stage.ANNOUNCED))
                | (Q(decided_on__isnull=False) & ~Q(decision_no="")),
                name="adjustment_decided_has_document",
            ),
        ]
        indexes = [models.Index(fields=["decided_on", "kind"]), models.Index(fields=["stage", "decision_due"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.household_id} {self.kind} ({self.stage})"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_status_kind(self) -> bool:
        return self.kind in STATUS_KINDS


class AdjustmentStep(models.Model):
    """One step of a case, as taken: never changed afterwards."""

    case = models.ForeignKey(AdjustmentCase, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=40)
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    role = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class AdjustmentAttachment(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("application")
        MINUTES = "minutes", _("meeting minutes")
        NOTICE_PHOTO = "notice_photo", _("notice photo")
        DECISION = "decision", _("decision document")
        ANNOUNCEMENT = "announcement", _("announcement")
        OTHER = "other", _("other")

    case = models.ForeignKey(AdjustmentCase, on_delete=models.CASCADE, related_name="attachments")
    step = models.ForeignKey(AdjustmentStep, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="adjustments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
