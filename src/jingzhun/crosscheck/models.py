"""Department lists (部门数据, docs/LEDGER.md §2), their matching to registry members, and the clues the rules of
docs/RULES.md §8 raise from them, with their dispatch and answers.

A list is imported as a dated :class:`Batch` and never changed; comparisons read the latest batch of each
department, so a clue can always be traced to the batch (and row) it came from. Department-specific columns
are stored in a few typed generic columns (``kind``, ``status``, ``grade``, ``text1`` …): the mapping per
department is in :mod:`jingzhun.crosscheck.departments`, and set-based rules read typed columns directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    EDUCATION = "education", "教体"
    MEDICAL_INSURANCE = "medical_insurance", "医保"
    DISABILITY = "disability", "残联"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    DEATHS = "deaths", "公安/殡葬"
    VEHICLES = "vehicles", "公安交管"
    BUSINESSES = "businesses", "市场监管"
    REAL_ESTATE = "real_estate", "自然资源"
    PAYROLL = "payroll", "财政"
    HOUSING = "housing", "住建"
    HUMAN_RESOURCES = "human_resources", "人社"


class Batch(models.Model):
    """One department list as received: a dated, immutable batch."""

    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)  # who sent it, e.g. 县教体局
    as_of = models.DateField(_("data date"))  # the date the department's data describes
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    invalid_ids = models.PositiveIntegerField(default=0)  # rows whose 证件号码 is not a valid ID number
    rejected = models.PositiveIntegerField(default=0)  # rows not imported (errors in the report workbook)
    imported_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_prefix = models.CharField(max_length=12, blank=True)  # the importing user's scope ("" from the CLI)
    # The lowest and highest id of the batch's rows, so a comparison reads them as one range of the row key
    # (the rows' own (batch, id_number) index cannot give them without reading all of them).
    first_row = models.BigIntegerField(null=True, blank=True, editable=False)
    last_row = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "-id"])]

    def __str__(self) -> str:
        return f"{self.department} {self.as_of} #{self.pk}"


class Row(models.Model):
    """One person of a department list."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="list_rows", db_index=False)
    row_no = models.PositiveIntegerField()  # the row in the file (header = 1)
    name = models.CharField(max_length=60)
    id_raw = models.CharField(max_length=40)  # as written in the file
    id_number = models.CharField(max_length=18, blank=True)  # normalised (15→18, NFKC, X); "" when invalid
    birth_date = models.DateField(null=True, blank=True)  # from a valid ID number
    sex = models.CharField(max_length=1, blank=True)
    # Department columns (see departments.py for which is which).
    kind = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=40, blank=True)
    grade = models.CharField(max_length=20, blank=True)
    text1 = models.CharField(max_length=200, blank=True)
    text2 = models.CharField(max_length=200, blank=True)
    flag1 = models.BooleanField(null=True)
    flag2 = models.BooleanField(null=True)
    date1 = models.DateField(null=True)
    date2 = models.DateField(null=True)
    year = models.PositiveSmallIntegerField(null=True)
    number = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "row_no"], name="crosscheck_row_once")]
        indexes = [models.Index(fields=["batch", "id_number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_no}"


class Method(models.TextChoices):
    ID = "id", "证件号码一致"
    ID_TYPO = "id_typo", "证件号码错一位"
    ID_SWAP = "id_swap", "证件号码相邻两位颠倒"
    NAME_BIRTH = "name_birth", "姓名与出生日期、性别、地区一致"
    DECISION = "decision", "人工确认"


class MatchState(models.TextChoices):
    AUTO = "auto", _("matched automatically")
    REVIEW = "review", _("awaiting review")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


# A match counts (for the clue rules) when it was made automatically or confirmed by a reviewer.
ACCEPTED_STATES = (MatchState.AUTO, MatchState.CONFIRMED)


class Match(models.Model):
    """A list row's candidate registry member, with how it was found and how sure it is (0–100)."""

    row = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="matches", db_index=False)
    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+", db_index=False)
    method = models.CharField(max_length=20, choices=Method.choices)
    confidence = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=MatchState.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # A comparison writes a million matches per list: every index is paid for on each of them, so there are
        # only two — (row, member), which also serves the look-up by row, and the few rows awaiting review.
        # That a row has at most one *accepted* match is kept by the matching and the review services (a
        # partial unique index for it cost a second per million rows).
        constraints = [models.UniqueConstraint(fields=["row", "member"], name="crosscheck_match_once")]
        indexes = [models.Index(fields=["row"], condition=Q(state="review"), name="crosscheck_match_review")]

    def __str__(self) -> str:
        return f"{self.row_id}→{self.member_id} ({self.method} {self.confidence})"


class Decision(models.Model):
    """A reviewer's decision, remembered for the same person in later batches: the department's way of writing
    them (name and ID as written) is the same person as this member — or is not."""

    id_raw = models.CharField(max_length=40)
    name = models.CharField(max_length=60)
    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+")
    same_person = models.BooleanField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["id_raw", "name", "member"], name="crosscheck_decision_once")]

    def __str__(self) -> str:
        return f"{self.name}/{self.id_raw}→{self.member_id}: {self.same_person}"


class NameKey(models.Model):
    """Matching keys of one distinct name as written (see :mod:`jingzhun.crosscheck.names`): the name in
    simplified characters and its toneless pinyin. Filled by the matching for names it has not keyed yet."""

    name = models.CharField(max_length=60, unique=True)
    simplified = models.CharField(max_length=60)
    pinyin = models.CharField(max_length=400)

    class Meta:
        indexes = [models.Index(fields=["pinyin"])]

    def __str__(self) -> str:
        return f"{self.name} {self.pinyin}"


class NameKeyState(models.Model):
    """The registry version whose member names were last found all keyed (one row): a comparison skips
    reading every member's name again while the registry is at that version. Kept in the database, not a
    process cache, because each ``jingzhun crosscheck`` is a new process; written in the matching's own
    transaction, so a fill that is rolled back is not remembered."""

    version = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.version


class Run(models.Model):
    """One comparison: every clue rule over the latest batch of each department, on ``as_of``."""

    as_of = models.DateField(_("comparison date"))  # ages and "in force" are judged on this day
    area_prefix = models.CharField(max_length=12, blank=True)  # the households compared ("" for all)
    batches = models.JSONField(default=dict)  # department key → batch id used
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(default=dict)  # per rule: raised, new, still open, cleared

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"比对 #{self.pk} {self.as_of}"


class Rule(models.TextChoices):
    X01 = "X01", "X01 教育：在校生状况与学籍不一致"
    X02 = "X02", "X02 医保：参保状况不一致"
    X03 = "X03", "X03 残联：残疾状况或护理补贴不一致"
    X04 = "X04", "X04 民政：低保、特困与户类型不一致"
    X05 = "X05", "X05 公安/殡葬：已死亡人员仍在册"
    X06 = "X06", "X06 公安交管：拥有机动车"
    X07 = "X07", "X07 市场监管：企业法定代表人或股东"
    X08 = "X08", "X08 自然资源：拥有住宅、商业等不动产"
    X09 = "X09", "X09 财政：财政供养人员"
    X10 = "X10", "X10 住建：住房安全等级不一致"
    X11 = "X11", "X11 人社：养老保险或就业登记不一致"
    X12 = "X12", "X12 内部：同一证件号码在两户中在册"


class ClueState(models.TextChoices):
    NEW = "new", _("new")
    DISPATCHED = "dispatched", _("dispatched")
    FIXED = "fixed", _("confirmed and fixed")
    EXPLAINED = "explained", _("explained")
    WRONG = "wrong", _("clue was wrong")
    CLEARED = "cleared", _("no longer found")


OPEN_CLUE_STATES = (ClueState.NEW, ClueState.DISPATCHED)


class FeedbackState(models.TextChoices):
    """Whether a clue was sent back to the department whose list raised it, to check (反馈核实)."""

    NONE = "", _("not sent to the department")
    REQUESTED = "requested", _("awaiting the department's answer")
    ANSWERED = "answered", _("answered by the department")


class Clue(models.Model):
    """A suspicious point (疑点线索) raised by a rule: kept from the run that first raised it until it is
    answered, or until a later run no longer finds it. The supervision ledger takes answered clues as
    findings, so the dispatch state lives here, on the clue."""

    rule = models.CharField(max_length=3, choices=Rule.choices)
    variant = models.CharField(max_length=20, blank=True)  # which side of a two-sided rule, e.g. missing / uninsured
    department = models.CharField(max_length=20)  # a Department key, or "internal"
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="clues")
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    id_number = models.CharField(max_length=18, blank=True)  # empty for household clues (X04, X10)
    village_code = models.CharField(max_length=12)
    registry_value = models.CharField(max_length=200, blank=True)
    department_value = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=500)
    action = models.CharField(max_length=200)  # suggested action
    fingerprint = models.CharField(max_length=80)  # rule:variant:member or household — the same clue across runs
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    row = models.ForeignKey(Row, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=ClueState.choices, default=ClueState.NEW, db_default=ClueState.NEW)
    dispatched_to = models.CharField(max_length=12, blank=True)  # the responsible town's code
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sent back to the department whose list raised it (反馈核实): by when it must answer, and its answer. The
    # answer informs the reviewer's own decision (``state``/``answer`` above); each round is in the history.
    feedback_state = models.CharField(
        max_length=10, choices=FeedbackState.choices, blank=True, default=FeedbackState.NONE, db_default=""
    )
    feedback_sent_on = models.DateField(null=True, blank=True)
    feedback_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    feedback_due = models.DateField(null=True, blank=True)
    feedback_answer = models.TextField(blank=True, default="", db_default="")
    feedback_answered_on = models.DateField(null=True, blank=True)
    feedback_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    version = models.PositiveIntegerField(default=1, db_default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"], condition=Q(state__in=OPEN_CLUE_STATES), name="crosscheck_one_open_clue"
            ),
        ]
        indexes = [
            # A department's queue: the clues sent back to it, by deadline.
            models.Index(
                fields=["department", "feedback_due"], condition=~Q(feedback_state=""), name="crosscheck_clue_feedback"
            ),
            models.Index(fields=["last_run", "rule"]),
            models.Index(fields=["village_code", "state"]),
            models.Index(fields=["fingerprint", "-id"]),  # the newest clue of a fingerprint, in any state
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.fingerprint}"


class ClueEvent(models.Model):
    """The history of a clue: raised, dispatched, answered, registry fixed, case opened, cleared."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.clue_id} {self.action}"


class ClueAttachment(models.Model):
    """A file a department sent with its answer (a scan, a photo, a document): kept with the answer's event."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(ClueEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="crosscheck/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
