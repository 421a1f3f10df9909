"""Supervision findings (督导问题, docs/LEDGER.md §6) and their rectification under the "1+3" deadlines
(docs/RULES.md §11).

A finding is found somewhere (an area, perhaps a household), assigned (交办) within the assignment deadline to a
responsible town, a responsible department, or both (一案双转): each assignee answers for its own
:class:`FindingPart`. The finding is closed when every part is rectified and an inspector has verified them; the
inspector may reopen a part, which starts a new rectification period for it.

Deadlines are stored as dates when a period starts (``assign_due`` when the finding is recorded, a part's ``due``
when it is assigned or reopened), computed once in Python with the pack's calendar or working days, so the late
lists are plain indexed comparisons of dates. Every step is a :class:`FindingStep` row that is never changed:
the history of a finding is its steps in order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    SUPERIOR = "superior", "上级反馈"
    INSPECTION_TOUR = "inspection_tour", "巡视巡察"
    AUDIT = "audit", "审计"
    UNANNOUNCED = "unannounced", "督查暗访"
    MONTHLY = "monthly", "月度督导"
    DATA_COMPARISON = "data_comparison", "数据比对"
    PETITION = "petition", "群众信访"


class Category(models.TextChoices):
    POLICY = "policy", "政策落实"
    SPECIAL_GROUPS = "special_groups", "特殊群体"
    HOUSING_WATER = "housing_water", "住房饮水"
    DATA_QUALITY = "data_quality", "数据质量"
    FUNDS_PROJECTS = "funds_projects", "资金项目"
    CONDUCT = "conduct", "作风纪律"


class PartKind(models.TextChoices):
    TOWN = "town", "乡镇"
    DEPARTMENT = "department", "部门"


class Finding(models.Model):
    number = models.CharField(_("finding number"), max_length=40, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    found_on = models.DateField(_("found on"))
    area_code = models.CharField(_("area code"), max_length=12)  # where it was found; the scope of the finding
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    # The responsible town (a 12-digit code) and department (a key of docs/LEDGER.md §2 or a name) as recorded;
    # the parts exist from the assignment on.
    town_code = models.CharField(max_length=12, blank=True, db_default="")
    department = models.CharField(max_length=40, blank=True, db_default="")
    assign_due = models.DateField(_("assignment due"))
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)  # set: the finding is closed
    clue = models.ForeignKey(
        "crosscheck.Clue", null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    # A problem found by a project evaluation (projects.EvaluationItem) gives at most one finding; the projects
    # pages read it back through the reverse relation ``item.finding`` (projects imports nothing of supervision).
    project_problem = models.OneToOneField(
        "projects.EvaluationItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="finding"
    )
    version = models.PositiveIntegerField(default=1, db_default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(condition=~Q(town_code="") | ~Q(department=""), name="finding_has_an_assignee"),
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | Q(assigned_on__isnull=False), name="finding_verified_assigned"
            ),
        ]
        indexes = [
            # The late assignments: not yet assigned, by due date.
            models.Index(fields=["assign_due"], condition=Q(assigned_on__isnull=True), name="finding_unassigned"),
            models.Index(fields=["area_code", "found_on"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.verified_on is not None


class FindingPart(models.Model):
    """One assignee's part of a finding (一案双转): the responsible town's or the responsible department's."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=12, choices=PartKind.choices)
    assignee = models.CharField(max_length=40)  # the town's code, or the department's key or name
    started_on = models.DateField()  # assigned, or reopened: the rectification period runs from here
    due = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    rectification = models.TextField(blank=True, db_default="")
    rounds = models.PositiveSmallIntegerField(default=1, db_default=1)  # 1 + times reopened

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "kind"], name="finding_part_once")]
        indexes = [
            models.Index(fields=["due"], condition=Q(done_on__isnull=True), name="finding_part_open"),
            models.Index(fields=["kind", "assignee", "due"]),
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind}"


class FindingStep(models.Model):
    """One step of a finding, as taken: never changed afterwards."""

    class Action(models.TextChoices):
        RECORD = "record", "登记"
        ASSIGN = "assign", "交办"
        RECTIFY = "rectify", "整改完成"
        REOPEN = "reopen", "退回重新整改"
        VERIFY = "verify", "核验销号"
        IMPORT = "import", "导入"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps")
    part = models.CharField(max_length=12, choices=PartKind.choices, blank=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, db_default={})
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.action}"


class Evidence(models.Model):
    """A file uploaded with a step (a rectification's evidence, a finding's photo)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence")
    step = models.ForeignKey(FindingStep, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="supervision/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
