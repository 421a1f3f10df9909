"""Projects, funds and assets (项目资金, DESIGN.md): the project library and its lifecycle, the funds that pay for
projects (source → allocation → payment), the assets completed projects form with their four rights (4+1), the
assets' income, differentiated dividends (docs/RULES.md §9), the red/green/blue archive (三色档案) and the
evaluation of projects against a bank of indicators.

Closed vocabularies carry the ledger's words (docs/LEDGER.md §4) as their labels, as supervision's do: the
word a county writes in its workbook is the word the page shows. The archive checklist and the indicator bank
are data (``data/*.toml``), not code: a county edits them without a release.

Every step of a project's lifecycle is a :class:`ProjectStep` row that is never changed, and ``version`` grows
with each change so that an edit based on an older page is refused (as for monitoring cases). Money is in yuan
with two decimals; amounts that must not pass another (payments past their allocation, allocations past their
fund) are checked by the services under a row lock on the parent.
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


class ProjectKind(models.TextChoices):
    INDUSTRY = "industry", "产业"
    EMPLOYMENT = "employment", "就业"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    PUBLIC_SERVICE = "public_service", "公共服务"
    SOLAR = "solar", "光伏"
    OTHER = "other", "其他"


class ProjectLevel(models.TextChoices):
    COUNTY = "county", "县级"
    TOWN = "town", "乡镇级"
    VILLAGE = "village", "村级"


class Stage(models.TextChoices):
    """The lifecycle 申报 → 立项 → 开工 → 完工 → 验收 → 运营, or 终止 from any stage before 运营."""

    DECLARED = "declared", "申报"
    APPROVED = "approved", "立项"
    STARTED = "started", "开工"
    COMPLETED = "completed", "完工"
    ACCEPTED = "accepted", "验收"
    OPERATING = "operating", "运营"
    TERMINATED = "terminated", "终止"


# The order of the stages, and the date field each one records on the project.
STAGE_ORDER = (Stage.DECLARED, Stage.APPROVED, Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED, Stage.OPERATING)
STAGE_DATE_FIELD: dict[str, str] = {
    Stage.DECLARED: "declared_on",
    Stage.APPROVED: "approved_on",
    Stage.STARTED: "started_on",
    Stage.COMPLETED: "completed_on",
    Stage.ACCEPTED: "accepted_on",
    Stage.OPERATING: "operating_on",
    Stage.TERMINATED: "terminated_on",
}


class Project(models.Model):
    code = models.CharField(_("project number"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    kind = models.CharField(_("project type"), max_length=20, choices=ProjectKind.choices)
    level = models.CharField(_("project level"), max_length=10, choices=ProjectLevel.choices)
    # The county, town or village the project serves: its scope (a user sees projects of its area).
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area served"))
    year = models.PositiveSmallIntegerField(_("approval year"))
    planned_investment = models.DecimalField(_("planned investment"), **MONEY)
    stage = models.CharField(_("project stage"), max_length=20, choices=Stage.choices, default=Stage.DECLARED)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    operator = models.CharField(_("operator"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    declared_on = models.DateField(_("declared on"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    operating_on = models.DateField(_("in operation since"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    batch = models.ForeignKey("registry.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(condition=Q(planned_investment__gte=0), name="project_investment_not_negative"),
        ]
        indexes = [models.Index(fields=["area", "year"]), models.Index(fields=["year", "stage"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectStep(models.Model):
    """One lifecycle step or edit of a project, as taken: never changed afterwards."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=40)  # a stage reached, "edit", "import"
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict)  # fields changed: {field: [old, new]}
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"


class Beneficiary(models.Model):
    """A household that benefits from a project, how (受益方式, several), and whether it refused an offered job or
    public-welfare post in the period (weight 0 in the dividends, docs/RULES.md §9)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    by_dividend = models.BooleanField(_("dividends"), default=False)
    by_work = models.BooleanField(_("work"), default=False)
    by_land = models.BooleanField(_("land transfer"), default=False)
    by_other = models.BooleanField(_("other"), default=False)
    refused_post = models.BooleanField(_("refused an offered post"), default=False)
    refusal_reason = models.CharField(_("reason for the refusal"), max_length=500, blank=True)
    batch = models.ForeignKey("registry.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="beneficiary_once_per_project"),
            models.CheckConstraint(
                condition=Q(refused_post=False) | ~Q(refusal_reason=""), name="beneficiary_refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(by_dividend=True) | Q(by_work=True) | Q(by_land=True) | Q(by_other=True),
                name="beneficiary_has_a_way",
            ),
        ]
        indexes = [models.Index(fields=["household"])]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.household_id}"


class FundSource(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    INTEGRATED = "integrated", "统筹整合涉农资金"
    EAST_WEST = "east_west", "东西部协作"
    SOCIAL = "social", "社会帮扶"


class Fund(models.Model):
    """Money received from one source by one document (资金文件 / 指标): what projects are allocated from.

    Issued before 1 January of its budget year, it was disbursed early (提前下达)."""

    source = models.CharField(_("fund source"), max_length=20, choices=FundSource.choices)
    year = models.PositiveSmallIntegerField(_("budget year"))
    document_no = models.CharField(_("document number"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)
    issued_on = models.DateField(_("issued on"))
    # Whose money it is to allocate: the county (or a town for its own funds).
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.UniqueConstraint(fields=["source", "document_no"], name="fund_document_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_amount_positive"),
        ]
        indexes = [models.Index(fields=["year", "source"])]

    def __str__(self) -> str:
        return f"{self.document_no} {self.title}"


class Allocation(models.Model):
    """Part of a fund given to a project. The allocations of a fund never pass its amount (services)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="allocations")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount allocated"), **MONEY)
    allocated_on = models.DateField(_("allocated on"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")]
        indexes = [models.Index(fields=["project", "fund"])]

    def __str__(self) -> str:
        return f"{self.fund_id}→{self.project_id} {self.amount}"


class Payment(models.Model):
    """Money paid out of an allocation (支出), with its voucher. The payments of an allocation never pass its
    amount (services). ``project`` and ``fund`` repeat the allocation's so that spending progress groups by
    project, source, town and county without a join through allocations."""

    # No index of its own: the covering (allocation, paid_on, fund, amount) index serves every look-up by allocation.
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="payments", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments", db_index=False)
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="payments", db_index=False)
    amount = models.DecimalField(_("amount paid"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    voucher_no = models.CharField(_("voucher number"), max_length=100, unique=True)
    payee = models.CharField(_("payee"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]
        indexes = [
            models.Index(fields=["project", "paid_on"]),
            models.Index(fields=["fund", "paid_on"]),
            # Covering: what has been paid out of each allocation (by a date, per fund) is read from the index
            # alone, never from the payment rows (spending progress, bench/README.md; migration 0002).
            models.Index(fields=["allocation", "paid_on", "fund", "amount"], name="payment_allocation_paid"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.amount}"


class PaymentAttachment(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="projects/payments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class AssetKind(models.TextChoices):
    OPERATING = "operating", "经营性资产"
    PUBLIC = "public", "公益性资产"
    HOUSEHOLD = "household", "到户类资产"


class AssetState(models.TextChoices):
    IN_USE = "in_use", "在用"
    IDLE = "idle", "闲置"
    DISPOSED = "disposed", "已处置"


class Asset(models.Model):
    """An asset a completed project formed, with its four rights (所有权, 经营权, 收益权, 监督权: the "4" of 4+1;
    the "1" is the project's archive)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assets")
    code = models.CharField(_("asset number"), max_length=40, unique=True)
    name = models.CharField(_("asset name"), max_length=200)
    kind = models.CharField(_("asset type"), max_length=20, choices=AssetKind.choices)
    state = models.CharField(_("asset state"), max_length=20, choices=AssetState.choices, default=AssetState.IN_USE)
    value = models.DecimalField(_("book value"), **MONEY)
    formed_on = models.DateField(_("formed on"))
    # 所有权: who owns it (a village collective, a town, a unit).
    owner = models.CharField(_("owner"), max_length=200)
    # 经营权: who operates it, how, and under which contract.
    operator = models.CharField(_("operator"), max_length=200, blank=True)
    operating_mode = models.CharField(_("operating mode"), max_length=100, blank=True)
    contract_no = models.CharField(_("contract number"), max_length=100, blank=True)
    contract_start = models.DateField(_("contract from"), null=True, blank=True)
    contract_end = models.DateField(_("contract until"), null=True, blank=True)
    # 收益权: who receives the income, and how it is shared.
    income_beneficiary = models.CharField(_("income goes to"), max_length=200, blank=True)
    income_method = models.CharField(_("how the income is shared"), max_length=200, blank=True)
    # 监督权: who supervises, and where the asset and its income are published.
    supervisor = models.CharField(_("supervisor"), max_length=200, blank=True)
    published_at = models.CharField(_("published at"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssetIncome(models.Model):
    """The income an asset brought in one period (a year, a half, a quarter or a month)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("year"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    amount = models.DecimalField(_("income"), **MONEY)
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("asset income")
        verbose_name_plural = _("asset incomes")
        constraints = [
            models.UniqueConstraint(fields=["asset", "period_start"], name="asset_income_once_per_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="asset_income_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="asset_income_period"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.period_start} {self.amount}"


class DistributionStage(models.TextChoices):
    APPROVED = "approved", "已批准"
    PAID = "paid", "已发放"


class Distribution(models.Model):
    """A project's differentiated dividend for a year (docs/RULES.md §9), as approved: one per project and year.

    Approving writes each share into the household's 资产收益分红 income of the year, once; a preview is computed
    and never stored."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="distributions")
    year = models.PositiveSmallIntegerField(_("year"))
    income = models.DecimalField(_("project income"), **MONEY)
    ratio = models.DecimalField(_("dividend ratio"), max_digits=5, decimal_places=4)
    distributable = models.DecimalField(_("distributable amount"), **MONEY)
    pack = models.CharField(max_length=100)
    run = models.ForeignKey("policy.AssessmentRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    households = models.PositiveIntegerField(default=0)
    weight_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    stage = models.CharField(_("stage"), max_length=20, choices=DistributionStage.choices)
    approved_on = models.DateField(_("approved on"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("dividend distribution")
        verbose_name_plural = _("dividend distributions")
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="distribution_once_per_project_year"),
            models.CheckConstraint(condition=Q(income__gte=0), name="distribution_income_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.year}"


class Share(models.Model):
    """One household's share of a distribution."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="shares")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    household_no = models.CharField(max_length=40)
    tier = models.CharField(max_length=20, blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    share = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["distribution", "household"], name="share_once_per_household"),
            models.CheckConstraint(condition=Q(share__gte=0), name="share_not_negative"),
        ]
        indexes = [models.Index(fields=["household"])]

    def __str__(self) -> str:
        return f"{self.distribution_id}/{self.household_no} {self.share}"


class ArchiveColour(models.TextChoices):
    RED = "red", "红色档案"
    GREEN = "green", "绿色档案"
    BLUE = "blue", "蓝色档案"


class ArchiveFile(models.Model):
    """A document filed against an item of the archive checklist (``data/archive.toml``)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="archive_files")
    item = models.CharField(_("checklist item"), max_length=20)
    colour = models.CharField(max_length=10, choices=ArchiveColour.choices)
    file = models.FileField(upload_to="projects/archive/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("note"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["project", "item"])]

    def __str__(self) -> str:
        return self.original_name


class Evaluation(models.Model):
    """One review of a project against the indicator bank (``data/indicators.toml``): a score per indicator and
    the problems found."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_on = models.DateField(_("evaluated on"))
    bank = models.CharField(max_length=100)  # the bank's name and version the scores follow
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    max_score = models.DecimalField(max_digits=6, decimal_places=2)
    problems = models.PositiveSmallIntegerField(default=0)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("project evaluation")
        verbose_name_plural = _("project evaluations")
        indexes = [models.Index(fields=["project", "evaluated_on"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.evaluated_on} {self.score}"


class EvaluationItem(models.Model):
    """The score of one indicator in an evaluation, and the problem found ("" for none)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="items")
    indicator = models.CharField(max_length=20)
    score = models.DecimalField(max_digits=6, decimal_places=2)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="evaluation_item_once"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=models.F("weight")), name="evaluation_item_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.indicator}"
