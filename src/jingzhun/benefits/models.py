"""The one-window benefits center (政策兑现, DESIGN.md): applications taken at the window and decided by the
department that owns each benefit, the payments households received (entered, imported, or made by an
application, a public-welfare post's wages or a student's aid), the entitlements of a year computed from the
catalogue (``catalogues/*.toml``, docs/RULES.md §12) and the three registers a county keeps beside them:
public-welfare posts (公益岗位) and their attendance, micro-credit (扶贫小额信贷) and 雨露计划 students.

The catalogue is data, not a table: a benefit is named here by its code (``B01`` …) and, for the record, the
name and department it had when the row was written. Every payment is added to the household's income of its
year once, when it is recorded (``income_item``: the column it went to, "" for a benefit that is not income,
such as an insurance premium paid on the household's behalf). An application's steps are :class:`ApplicationStep`
rows that are never changed; ``version`` grows with each step so that a decision taken on an older page is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:

    class _MoneyOptions(TypedDict):
        max_digits: int
        decimal_places: int


MONEY: _MoneyOptions = {"max_digits": 14, "decimal_places": 2}


class PaymentSource(models.TextChoices):
    WINDOW = "window", "窗口录入"
    IMPORT = "import", "导入"
    APPLICATION = "application", "申请发放"
    POST = "post", "公益岗位工资"
    STUDENT = "student", "雨露计划"
    LOAN = "loan", "小额信贷贴息"


class Payment(models.Model):
    """A benefit paid to a member (or, for a household benefit such as B06 and B08, to the household).

    A payment is known by benefit, household, member and date (``member_key`` is the member's ID number, "" for a
    household benefit, so the key is unique on both databases): importing the same row again changes nothing.
    """

    benefit = models.CharField(_("benefit"), max_length=20)
    benefit_name = models.CharField(_("benefit name"), max_length=100)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member"),
        db_index=False,  # led by the (member, benefit, year) index below
    )
    member_key = models.CharField(max_length=18, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    year = models.PositiveSmallIntegerField(_("year"))  # of paid_on, kept for the indexes of a year's questions
    department = models.CharField(_("paying department"), max_length=100, blank=True)
    income_item = models.CharField(max_length=30, blank=True)  # the income column it was added to, "" for none
    source = models.CharField(max_length=20, choices=PaymentSource.choices)
    batch = models.ForeignKey("registry.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("benefit payment")
        verbose_name_plural = _("benefit payments")
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "household", "member_key", "paid_on"], name="benefit_payment_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="benefit_payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["year", "benefit", "household"]),
            models.Index(fields=["household", "year"]),
            # Covers "was this member paid this benefit in the year" of the 应享未享 list, one look-up per row.
            models.Index(fields=["member", "benefit", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.benefit} {self.household_id} {self.amount}"


class ApplicationStage(models.TextChoices):
    """受理 → 批准 or 不予批准 → 已发放; an application still at 受理 may be withdrawn (撤回)."""

    SUBMITTED = "submitted", "已受理"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"
    PAID = "paid", "已发放"
    WITHDRAWN = "withdrawn", "已撤回"


class Application(models.Model):
    """An application for one benefit taken at the window, routed to the benefit's department."""

    benefit = models.CharField(_("benefit"), max_length=20)
    benefit_name = models.CharField(_("benefit name"), max_length=100)
    department = models.CharField(_("department"), max_length=40)  # the catalogue's department key
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    year = models.PositiveSmallIntegerField(_("benefit year"))
    amount = models.DecimalField(_("amount applied for"), **MONEY)
    stage = models.CharField(
        _("stage"), max_length=20, choices=ApplicationStage.choices, default=ApplicationStage.SUBMITTED
    )
    documents = models.JSONField(_("documents received"), default=list)  # names from the catalogue's list
    note = models.TextField(_("note"), blank=True)
    submitted_on = models.DateField(_("submitted on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="application")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("benefit application")
        verbose_name_plural = _("benefit applications")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="benefit_application_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["department", "stage"]),
            models.Index(fields=["household", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.benefit} {self.household_id} {self.stage}"


class ApplicationStep(models.Model):
    """One step of an application, as taken: never changed afterwards."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=40)
    from_stage = models.CharField(max_length=20, choices=ApplicationStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=ApplicationStage.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, db_default={})
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


class EntitlementRun(models.Model):
    """One computation of a year's entitlements for an area (the whole county from the command line): the catalogue
    and its version are recorded, so a list can be explained after the catalogue changes."""

    year = models.PositiveSmallIntegerField(_("year"))
    catalogue = models.CharField(_("catalogue"), max_length=60)
    catalogue_version = models.CharField(_("catalogue version"), max_length=40)
    area_prefix = models.CharField(_("area scope"), max_length=12, blank=True)
    skipped = models.JSONField(default=dict)  # benefit code → why it was not computed for this year
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    entitlements = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["year", "area_prefix", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.year} {self.catalogue} {self.area_prefix or '*'}"


class Entitlement(models.Model):
    """What a member (or a household) is entitled to in the run's year, and how much."""

    # Rows derived by the plan from rows that exist, millions per run: no constraint in the database (each would
    # cost a look-up per inserted row, and stops SQLite from emptying the table at once); Django cascades.
    # No index of its own: the composite index below starts with the run (a second index cost 3.5 s of a
    # county's 6.3 M-row run, measured).
    run = models.ForeignKey(
        EntitlementRun, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    benefit = models.CharField(max_length=20)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    amount = models.DecimalField(**MONEY)

    class Meta:
        # The one index: it lists a run's rows (in household order), serves a household's rows of a run and
        # covers "is this payment entitled" of the 不应享而享 list. Each index costs seconds on a run of millions
        # of rows.
        indexes = [models.Index(fields=["run", "household", "benefit", "member"])]

    def __str__(self) -> str:
        return f"{self.benefit} {self.household_id}"


class Post(models.Model):
    """A public-welfare post (公益岗位) or ecological ranger post (生态护林员) in a village, held by one member for a
    period; its wages are paid month by month from the attendance (:class:`Attendance`)."""

    benefit = models.CharField(_("benefit"), max_length=20)  # the catalogue's code of the post's kind
    title = models.CharField(_("post"), max_length=100)
    village = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    holder = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("holder"))
    monthly_pay = models.DecimalField(_("monthly pay"), **MONEY)
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason it ended"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("public-welfare post")
        verbose_name_plural = _("public-welfare posts")
        constraints = [
            models.CheckConstraint(condition=Q(monthly_pay__gt=0), name="post_pay_positive"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["village", "started_on"]), models.Index(fields=["holder"])]

    def __str__(self) -> str:
        return f"{self.title} {self.holder_id}"


class Attendance(models.Model):
    """A post's attendance in one month (the first day of the month) and the wage it earned; ``payment`` is the
    wage once paid."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attendance")
    month = models.DateField(_("month"))
    days_required = models.PositiveSmallIntegerField(_("days required"))
    days_worked = models.PositiveSmallIntegerField(_("days worked"))
    wage = models.DecimalField(_("wage"), **MONEY)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "month"], name="attendance_once_a_month"),
            models.CheckConstraint(condition=Q(days_required__gt=0), name="attendance_days_required_positive"),
            models.CheckConstraint(
                condition=Q(days_worked__lte=models.F("days_required")), name="attendance_worked_within_required"
            ),
            models.CheckConstraint(condition=Q(wage__gte=0), name="attendance_wage_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.month:%Y-%m}"


class LoanStatus(models.TextChoices):
    CURRENT = "current", "未结清"
    REPAID = "repaid", "已结清"


class Loan(models.Model):
    """A micro-credit loan (扶贫小额信贷): 5 万 yuan or less, three years or less, no collateral, the interest
    subsidised by the government (docs/RULES.md §12 for the code of its interest subsidy)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    borrower = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("borrower")
    )
    bank = models.CharField(_("bank"), max_length=100)
    contract_no = models.CharField(_("contract number"), max_length=60)
    amount = models.DecimalField(_("loan amount"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    annual_rate = models.DecimalField(_("annual rate (%)"), max_digits=6, decimal_places=3)
    subsidy_rate = models.DecimalField(_("interest subsidy rate (%)"), max_digits=6, decimal_places=3)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.CURRENT)
    repaid_on = models.DateField(_("repaid on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("micro-credit loan")
        verbose_name_plural = _("micro-credit loans")
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_no"], name="loan_contract_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=Q(due_on__gt=models.F("issued_on")), name="loan_due_after_issue"),
            models.CheckConstraint(
                condition=Q(subsidy_rate__lte=models.F("annual_rate")), name="loan_subsidy_within_rate"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["household"])]

    def __str__(self) -> str:
        return f"{self.bank} {self.contract_no}"


class Repayment(models.Model):
    """A repayment of a loan: principal and interest, and the part of the interest the government subsidised."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="repayments")
    paid_on = models.DateField(_("paid on"))
    principal = models.DecimalField(_("principal"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY)
    interest_subsidy = models.DecimalField(_("interest subsidy"), **MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0) & Q(interest__gte=0) & Q(interest_subsidy__gte=0),
                name="repayment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(interest_subsidy__lte=models.F("interest")), name="repayment_subsidy_within_interest"
            ),
        ]
        ordering = ["paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on}"


class StudentLevel(models.TextChoices):
    VOCATIONAL = "vocational", "中职"
    HIGHER_VOCATIONAL = "higher_vocational", "高职"


class Student(models.Model):
    """A 雨露计划 student (a member of a covered household in secondary or higher vocational school) in one school
    year; the aid is paid as benefit B01 payments to the member."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    school = models.CharField(_("school"), max_length=200)
    major = models.CharField(_("major"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=StudentLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"))  # the year the aid belongs to
    grade = models.PositiveSmallIntegerField(_("grade"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("雨露计划 student")
        verbose_name_plural = _("雨露计划 students")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="student_once_a_year")]
        indexes = [models.Index(fields=["year", "household"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.school}"
