"""``/api/households/`` and ``/api/members/``: the registry read through the user's area scope.

Thin views: an input serializer parses the query, a selector reads (scope applied there), an output
serializer renders. A household outside the scope is 404, never 403, so the API does not tell whether it exists.
ID numbers are masked unless the user may see them; every response that shows them in full is logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from jingzhun.accounts.api import CanViewPeople
from jingzhun.accounts.models import AccessLog
from jingzhun.accounts.permissions import user_sees_id_numbers
from jingzhun.accounts.services import IdNumberSearchRefused, access_log_record
from jingzhun.core.api import KeysetPagination, PeoplePagination
from jingzhun.core.idnumber import mask
from jingzhun.monitoring.services import CaseRefused, sudden_event_record
from jingzhun.policy.models import FLAG_LABELS, INDICATORS, Category, HouseholdResult, Tier
from jingzhun.policy.selectors import (
    LIST_FLAGS,
    household_result_latest,
    households_with_results,
    result_explained,
    run_latest_for_user,
)
from jingzhun.registry.models import Household, HouseholdEvent, Member, StatusChange
from jingzhun.registry.selectors import (
    household_events,
    household_get_for_user,
    household_record,
    household_search_for_user,
    members_page_for_user,
)
from jingzhun.registry.services import EVENT_WORD, NOTE_MAX, EventRefused, id_number_search_check
from jingzhun.registry.vocab import (
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

AREA_CODE = r"^[0-9]{12}$"
HOUSEHOLD_NO_MAX = Household._meta.get_field("household_no").max_length or 40
SEX_CHOICES = [("M", "男"), ("F", "女")]
FLAG_CHOICES = [(name, FLAG_LABELS[name]) for name in LIST_FLAGS]
ID_SEARCH_NOTE = (
    "按完整身份证号查询每次记入访问日志；无权查看完整身份证号的用户一小时内查无结果达到上限（至多 10 次）后，"
    "再按完整身份证号查询返回 429（Retry-After 为需等待的秒数）。"
)
HOUSEHOLD_NO = OpenApiParameter("household_no", OpenApiTypes.STR, OpenApiParameter.PATH, description="户编号")
INDICATOR_CHOICES = [(name, FLAG_LABELS[name]) for name in INDICATORS]
# Documented on the searches that may refuse (core.api.ApiSchema).
ID_SEARCH_LIMITED = {"429": "按完整身份证号查询查无结果过多，暂停一段时间；Retry-After 为需等待的秒数"}


# --- input -----------------------------------------------------------------------------------------------------


class HouseholdFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="户编号（开头）、成员完整身份证号或其后 4 位、成员姓名（从姓或名开头，如“王”“王建国”“建国”）。"
        + ID_SEARCH_NOTE,
    )
    town = serializers.RegexField(AREA_CODE, required=False, help_text="乡镇区划代码（12 位）")
    village = serializers.RegexField(AREA_CODE, required=False, help_text="行政村区划代码（12 位）")
    status = serializers.ChoiceField(choices=PovertyStatus.choices, required=False, help_text="贫困户状态")
    tier = serializers.ChoiceField(
        choices=Tier.choices, required=False, help_text="最近一次评估的分层分类（只有已脱贫户分层）"
    )
    flag = serializers.ChoiceField(choices=FLAG_CHOICES, required=False, help_text="最近一次评估中为“是”的结论或预警")
    failed = serializers.ChoiceField(choices=INDICATOR_CHOICES, required=False, help_text="最近一次评估中未达标的指标")


class MemberFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="姓名（从姓或名开头）、完整身份证号或其后 4 位。" + ID_SEARCH_NOTE,
    )


# --- output ----------------------------------------------------------------------------------------------------


class ResultBriefSerializer(serializers.Serializer):
    """A household's result in the latest run covering the user's scope, as a list row shows it."""

    run = serializers.IntegerField(help_text="评估批次编号")
    tier = serializers.ChoiceField(
        choices=Tier.choices, allow_blank=True, help_text="分层分类；只有已脱贫户分层，其他户和未评估的户为空"
    )
    meets_standard = serializers.BooleanField(allow_null=True, help_text="是否达到退出标准（未评估为空）")
    income_per_capita = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=FLAG_CHOICES), help_text="为“是”的结论与预警")
    excluded = serializers.BooleanField(help_text="是否因数据不全未评估")


class HouseholdListSerializer(serializers.Serializer):
    household_no = serializers.CharField(help_text="户编号")
    village_code = serializers.CharField(source="village_id")
    village_name = serializers.CharField(source="village.name")
    poverty_status = serializers.ChoiceField(choices=PovertyStatus.choices)
    attribute = serializers.ChoiceField(choices=Attribute.choices)
    head_name = serializers.CharField(allow_null=True, help_text="户主姓名（户主已故时为第一位成员）")
    people = serializers.SerializerMethodField(help_text="在册人口")
    latest = serializers.SerializerMethodField(help_text="最近一次评估结果；尚未评估为空")

    def get_people(self, household: Household) -> int:
        return household.people or 0  # type: ignore[attr-defined]

    @extend_schema_field(ResultBriefSerializer(allow_null=True))
    def get_latest(self, household: Household) -> dict[str, Any] | None:
        run = self.context.get("run")
        tier = getattr(household, "result_tier", None)
        if run is None or tier is None:  # no run, or a household the run did not cover (tier is "" when excluded)
            return None
        cents = household.result_pc_cents  # type: ignore[attr-defined]
        brief = {
            "run": run.pk,
            "tier": tier,
            "meets_standard": household.result_meets_standard,  # type: ignore[attr-defined]
            "income_per_capita": None if cents is None else Decimal(cents).scaleb(-2),
            "flags": [name for name in LIST_FLAGS if getattr(household, f"result_{name}", None)],
            "excluded": bool(household.result_exclusion),  # type: ignore[attr-defined]
        }
        # Through the serializer, so that the amount is a decimal string as the schema and the detail say;
        # a bare Decimal would go out as a JSON number.
        return ResultBriefSerializer(brief).data


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.SerializerMethodField(help_text="身份证号；无权查看完整号码时只显示前 6 位和后 4 位")
    relation = serializers.ChoiceField(choices=Relation.choices)
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    sex = serializers.ChoiceField(choices=SEX_CHOICES)
    # The birth date is digits 7–14 of the ID number, which masking hides: only with the right to see it.
    birth_date = serializers.SerializerMethodField(help_text="出生日期；无权查看完整证件号码时为空")
    age = serializers.SerializerMethodField(
        help_text="周岁：有权查看完整证件号码时按今天计，否则按当年 1 月 1 日计（不随生日变化，以免推出出生日期）"
    )
    ethnicity = serializers.CharField()
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True)
    school_status = serializers.ChoiceField(choices=SchoolStatus.choices, allow_blank=True)
    health = serializers.ChoiceField(choices=Health.choices, allow_blank=True)
    disability_grade = serializers.ChoiceField(choices=DisabilityGrade.choices, allow_blank=True)
    labor = serializers.ChoiceField(choices=Labor.choices, allow_blank=True)
    work_status = serializers.ChoiceField(choices=WorkStatus.choices, allow_blank=True)
    work_months = serializers.IntegerField(allow_null=True)
    medical_insurance = serializers.ChoiceField(choices=MedicalInsurance.choices, allow_blank=True)
    pension_insured = serializers.BooleanField(allow_null=True)

    def get_id_number(self, member: Member) -> str:
        return member.id_number if self.context.get("unmasked") else mask(member.id_number)

    def get_birth_date(self, member: Member) -> dt.date | None:
        return member.birth_date if self.context.get("unmasked") else None

    def get_age(self, member: Member) -> int:
        return member.age_shown(timezone.localdate(), unmasked=bool(self.context.get("unmasked")))


class MemberListSerializer(MemberSerializer):
    household_no = serializers.CharField(source="household.household_no")
    village_code = serializers.CharField(source="household.village_id")
    village_name = serializers.CharField(source="household.village.name")


class IncomeSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    net_income = serializers.DecimalField(source="net", max_digits=14, decimal_places=2, help_text="家庭年纯收入")
    wage = serializers.DecimalField(max_digits=14, decimal_places=2)
    business_income = serializers.DecimalField(max_digits=14, decimal_places=2)
    business_expense = serializers.DecimalField(max_digits=14, decimal_places=2)
    dividend = serializers.DecimalField(max_digits=14, decimal_places=2)
    other_property = serializers.DecimalField(max_digits=14, decimal_places=2)
    family_planning = serializers.DecimalField(max_digits=14, decimal_places=2)
    dibao = serializers.DecimalField(max_digits=14, decimal_places=2)
    tekun = serializers.DecimalField(max_digits=14, decimal_places=2)
    pension = serializers.DecimalField(max_digits=14, decimal_places=2)
    eco_compensation = serializers.DecimalField(max_digits=14, decimal_places=2)
    other_transfer = serializers.DecimalField(max_digits=14, decimal_places=2)
    medical_self_paid = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.ChoiceField(choices=PovertyStatus.choices, allow_blank=True)
    to_status = serializers.ChoiceField(choices=PovertyStatus.choices)
    changed_at = serializers.DateTimeField()
    changed_by = serializers.SerializerMethodField(help_text="操作人用户名；导入或命令行为空")
    reason = serializers.CharField()

    def get_changed_by(self, change: StatusChange) -> str | None:
        return change.changed_by.get_username() if change.changed_by else None


class ExplainedSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    ok = serializers.BooleanField(allow_null=True, help_text="指标：是否达标；预警：是否触发；未评估为空")
    reason = serializers.CharField(allow_blank=True)


class ResultDetailSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run_id")
    year = serializers.IntegerField(source="run.year")
    pack = serializers.CharField(source="run.pack")
    size = serializers.IntegerField()
    net_income = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    income_per_capita = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    meets_standard = serializers.BooleanField(allow_null=True)
    exit_eligible = serializers.BooleanField(allow_null=True)
    identify_candidate = serializers.BooleanField(allow_null=True)
    relapse_candidate = serializers.BooleanField(allow_null=True)
    monitoring_flag = serializers.BooleanField(allow_null=True)
    tier = serializers.ChoiceField(
        choices=Tier.choices, allow_blank=True, help_text="分层分类；只有已脱贫户分层，其他户和未评估的户为空"
    )
    suggested_category = serializers.ChoiceField(choices=Category.choices, allow_blank=True)
    indicators = ExplainedSerializer(many=True)
    triggers = ExplainedSerializer(many=True)
    reasons = serializers.CharField(allow_blank=True, help_text="全部原因（以「；」分隔）")
    exclusion = serializers.CharField(allow_blank=True, help_text="未评估的原因")


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class HouseholdDetailSerializer(serializers.Serializer):
    household_no = serializers.CharField()
    village = AreaRefSerializer()
    town = AreaRefSerializer(source="village.parent", allow_null=True)
    poverty_status = serializers.ChoiceField(choices=PovertyStatus.choices)
    attribute = serializers.ChoiceField(choices=Attribute.choices)
    year_registered = serializers.IntegerField(allow_null=True)
    year_exited = serializers.IntegerField(allow_null=True)
    main_cause = serializers.ChoiceField(choices=Cause.choices, allow_blank=True)
    food_clothing_ok = serializers.BooleanField()
    housing_grade = serializers.ChoiceField(choices=HousingGrade.choices, allow_blank=True)
    relocation = serializers.ChoiceField(choices=Relocation.choices)
    water_quality_ok = serializers.BooleanField(allow_null=True)
    water_lpd = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    water_piped = serializers.BooleanField(allow_null=True)
    water_fetch_minutes = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    water_supply_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    phone = serializers.CharField(allow_blank=True)
    members = MemberSerializer(many=True)
    incomes = IncomeSerializer(many=True, help_text="各年收入，新年份在前")
    status_changes = StatusChangeSerializer(many=True, help_text="贫困户状态变更记录，新记录在前")
    latest_result = ResultDetailSerializer(allow_null=True, help_text="最近一次评估结果（含原因）；尚未评估为空")


# --- views -----------------------------------------------------------------------------------------------------


def _id_number_search_check(request: Request, text: str) -> None:
    """Log a search by a full ID number; past the hourly limit of misses, 429 with the reason (and Retry-After)."""
    try:
        id_number_search_check(user=request.user, text=text, target=request.path)
    except IdNumberSearchRefused as refused:
        throttled = Throttled(detail=str(refused))
        throttled.wait = refused.retry_after
        raise throttled from None


@extend_schema(
    tags=["建档立卡"],
    summary="户列表",
    description="用户区划范围内的户，按户编号排序、分页。分层、结论和未达标指标取自覆盖该范围的最近一次评估。",
    parameters=[HouseholdFilterSerializer],
)
class HouseholdListApi(ListAPIView):
    error_responses = ID_SEARCH_LIMITED
    permission_classes = [CanViewPeople]
    pagination_class = PeoplePagination
    serializer_class = HouseholdListSerializer

    def get_queryset(self) -> Any:
        filters = HouseholdFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        user = self.request.user
        _id_number_search_check(self.request, params.get("q", ""))
        self.run = run_latest_for_user(user=user)
        households = household_search_for_user(
            user=user,
            text=params.get("q", ""),
            town=params.get("town", ""),
            village=params.get("village", ""),
            status=params.get("status", ""),
        )
        households = households_with_results(
            households=households,
            run=self.run,
            tier=params.get("tier", ""),
            failed=params.get("failed", ""),
            flag=params.get("flag", ""),
        )
        return households.order_by("household_no")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "run": getattr(self, "run", None)}


@extend_schema(
    tags=["建档立卡"],
    summary="一户一档",
    description=(
        "户的基本情况、成员、各年收入、状态变更和最近一次评估结果（含原因）。范围外或不存在的户均返回 404。"
        "有权查看完整身份证号的用户看到完整号码，每次查看记入访问日志。"
    ),
    parameters=[OpenApiParameter("household_no", OpenApiTypes.STR, OpenApiParameter.PATH, description="户编号")],
    responses=HouseholdDetailSerializer,
)
class HouseholdDetailApi(GenericAPIView):
    permission_classes = [CanViewPeople]
    serializer_class = HouseholdDetailSerializer

    def get(self, request: Request, household_no: str) -> Response:
        # No household number is longer than the column or holds a NUL (which PostgreSQL refuses outright).
        if len(household_no) > HOUSEHOLD_NO_MAX or "\x00" in household_no:
            raise Http404
        try:
            household = household_get_for_user(user=request.user, household_no=household_no)
        except Household.DoesNotExist:
            raise Http404 from None
        record = household_record(household=household)
        unmasked = user_sees_id_numbers(request.user) and bool(record["members"])
        if unmasked:
            access_log_record(
                user=request.user,
                action=AccessLog.Action.UNMASK,
                target=f"户 {household.household_no}",
                detail={"via": "api", "path": request.path, "members": len(record["members"])},
            )
        result = household_result_latest(household=household)
        data = {
            "household_no": household.household_no,
            "village": household.village,
            "town": household.village.parent,
            **{name: getattr(household, name) for name in _HOUSEHOLD_FIELDS},
            "members": record["members"],
            "incomes": record["incomes"],
            "status_changes": record["status_changes"],
            "latest_result": _result_detail(result) if result else None,
        }
        return Response(HouseholdDetailSerializer(data, context={"unmasked": unmasked}).data)


_HOUSEHOLD_FIELDS = [
    name
    for name in HouseholdDetailSerializer._declared_fields
    if name not in {"household_no", "village", "town", "members", "incomes", "status_changes", "latest_result"}
]


_RESULT_FIELDS = [
    "size",
    "net_income",
    "income_per_capita",
    "meets_standard",
    "exit_eligible",
    "identify_candidate",
    "relapse_candidate",
    "monitoring_flag",
    "tier",
    "suggested_category",
    "reasons",
    "exclusion",
]


def _result_detail(result: HouseholdResult) -> dict[str, Any]:
    explained = result_explained(result=result)
    return {
        **{name: getattr(result, name) for name in _RESULT_FIELDS},
        "run_id": result.run_id,
        "run": result.run,
        "indicators": [asdict(item) for item in explained["indicators"]],
        "triggers": [asdict(item) for item in explained["triggers"]],
    }


@extend_schema(
    tags=["建档立卡"],
    summary="成员查询",
    description=(
        "用户区划范围内的家庭成员，按行政村、户编号排序，按页键分页（沿 next、previous 链接翻页；不给总数）；"
        "身份证号一律脱敏。"
    ),
    parameters=[MemberFilterSerializer],
)
class MemberListApi(ListAPIView):
    error_responses = ID_SEARCH_LIMITED
    permission_classes = [CanViewPeople]
    pagination_class = KeysetPagination
    serializer_class = MemberListSerializer

    def get_queryset(self) -> Any:  # the schema's model; list() reads its page through the selector
        return Member.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = MemberFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        q = filters.validated_data.get("q", "")
        _id_number_search_check(request, q)
        paging = KeysetPagination()
        after, before = paging.keys(request)
        page = members_page_for_user(user=request.user, q=q, after=after, before=before, size=paging.size(request))
        return paging.response(request, page, self.get_serializer(page.rows, many=True).data)


# --- sudden events --------------------------------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices, help_text="事件类型")
    kind_text = serializers.SerializerMethodField(help_text="事件类型（中文，同 docs/LEDGER.md §1c）")
    occurred_on = serializers.DateField(help_text="发生日期")
    loss = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="损失金额（元）")
    note = serializers.CharField(allow_blank=True, help_text="事件描述")
    recorded_at = serializers.DateTimeField(help_text="登记时间")
    recorded_by = serializers.SerializerMethodField(help_text="登记人用户名；导入或命令行为空")

    def get_kind_text(self, event: HouseholdEvent) -> str:
        return EVENT_WORD.get(event.kind, event.kind)

    def get_recorded_by(self, event: HouseholdEvent) -> str | None:
        return event.recorded_by.get_username() if event.recorded_by else None


class EventRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices, help_text="事件类型")
    occurred_on = serializers.DateField(help_text="发生日期：不早于 2013-01-01，不晚于今天（北京时间）")
    loss = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        default=Decimal("0"),
        help_text="损失金额（元）；未评估时可不填",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX, help_text="事件描述"
    )
    open_case = serializers.BooleanField(
        required=False,
        default=False,
        help_text="立即纳入监测：开立监测记录（突发严重困难户，即时帮扶 A 档）；该户已有未办结的记录时不另开",
    )


class EventRecordedSerializer(serializers.Serializer):
    event = EventSerializer()
    outcome = serializers.ChoiceField(
        choices=[("created", "新登记"), ("updated", "已更新损失金额或描述"), ("unchanged", "此前已登记，未改动")]
    )
    case_id = serializers.IntegerField(allow_null=True, help_text="开立的监测记录，或该户已有的未办结记录；没有为空")
    case_opened = serializers.BooleanField(help_text="是否因本次登记开立了监测记录")
    message = serializers.CharField(help_text="办理结果（中文）")


def _household_or_404(request: Request, household_no: str) -> Household:
    if len(household_no) > HOUSEHOLD_NO_MAX or "\x00" in household_no:
        raise Http404
    try:
        return household_get_for_user(user=request.user, household_no=household_no)
    except Household.DoesNotExist:
        raise Http404 from None


@extend_schema_view(
    get=extend_schema(
        tags=["建档立卡"],
        summary="户的突发事件",
        description="户登记的突发事件（自然灾害、意外事故、主要劳动力死亡或伤残），新事件在前。范围外或不存在的户返回 404。",
        parameters=[HOUSEHOLD_NO],
        responses=EventSerializer(many=True),
    ),
    post=extend_schema(
        tags=["建档立卡"],
        summary="登记突发事件",
        description=(
            "登记户的突发事件；同一户、同一类型、同一天的事件只登记一次，再次提交时更新损失金额和描述（201 为新登记，"
            "200 为已有事件）。只有村级、乡镇用户和该户的帮扶责任人可以登记（其他角色 403）。open_case 为真时同时开立"
            "监测记录（突发严重困难户，即时帮扶 A 档，风险类型按事件类型）；该户已有未办结的记录或不是监测对象时，只登记"
            "事件，message 说明原因。日期早于 2013-01-01 或晚于今天等返回 400，detail 为原因。"
        ),
        parameters=[HOUSEHOLD_NO],
        request=EventRequestSerializer,
        responses={201: EventRecordedSerializer, 200: EventRecordedSerializer},
    ),
)
class HouseholdEventsApi(GenericAPIView):
    permission_classes = [CanViewPeople]
    pagination_class = None  # a household has a handful of events: the whole list, not pages
    serializer_class = EventRequestSerializer

    def get(self, request: Request, household_no: str) -> Response:
        household = _household_or_404(request, household_no)
        events = household_events(household=household)
        return Response(EventSerializer(events, many=True).data)

    def post(self, request: Request, household_no: str) -> Response:
        household = _household_or_404(request, household_no)
        form = EventRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            recorded = sudden_event_record(
                household=household,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                loss=data["loss"],
                note=data["note"],
                open_case=data["open_case"],
                user=request.user,
            )
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
        except (EventRefused, CaseRefused) as refused:
            raise ValidationError({"detail": str(refused)}) from None
        body = {
            "event": recorded.recorded.event,
            "outcome": recorded.recorded.outcome,
            "case_id": recorded.case.pk if recorded.case is not None else None,
            "case_opened": recorded.case_opened,
            "message": recorded.message,
        }
        created = recorded.recorded.outcome == "created"
        return Response(
            EventRecordedSerializer(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
