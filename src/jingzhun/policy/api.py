"""``/api/assessments/``: assessment runs, and their household and area results in the user's scope.

A run is listed when it covers some of the user's scope (as on the pages); its results are always narrowed
to that scope. A run the user cannot see is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from jingzhun.accounts.api import CanViewPeople
from jingzhun.areas.models import Level
from jingzhun.areas.selectors import area_names
from jingzhun.core.api import PeoplePagination
from jingzhun.registry.vocab import PovertyStatus

from .models import FLAG_LABELS, INDICATORS, TRIGGERS, AssessmentRun, Category, Tier
from .selectors import (
    LIST_FLAGS,
    area_results_for_user,
    household_results_search_for_user,
    run_for_user,
    runs_for_user,
)

AREA_CODE = r"^[0-9]{12}$"
FLAG_CHOICES = [(name, FLAG_LABELS[name]) for name in LIST_FLAGS]
INDICATOR_CHOICES = [(name, FLAG_LABELS[name]) for name in INDICATORS]
RUN_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="评估批次编号")


# --- input -----------------------------------------------------------------------------------------------------


class ResultFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="户编号（开头）")
    village = serializers.RegexField(AREA_CODE, required=False, help_text="行政村区划代码（12 位）")
    status = serializers.ChoiceField(choices=PovertyStatus.choices, required=False, help_text="评估时的贫困户状态")
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, help_text="分层分类（只有已脱贫户分层）")
    flag = serializers.ChoiceField(choices=FLAG_CHOICES, required=False, help_text="为“是”的结论或预警")
    failed = serializers.ChoiceField(choices=INDICATOR_CHOICES, required=False, help_text="未达标的指标")
    excluded = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true：只看未评估的户；false：只看已评估的户"
    )


class AreaFilterSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=[(level, level.label) for level in (Level.COUNTY, Level.TOWN, Level.VILLAGE)], required=False
    )


# --- output ----------------------------------------------------------------------------------------------------


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField(help_text="评估年度")
    pack = serializers.CharField(help_text="政策规则包")
    pack_version = serializers.CharField()
    area_prefix = serializers.CharField(allow_blank=True, help_text="评估范围（区划代码前缀；空为全部）")
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    households = serializers.IntegerField(help_text="评估户数")
    excluded = serializers.IntegerField(help_text="因数据不全未评估的户数")
    seconds = serializers.FloatField()


class RunDetailSerializer(RunSerializer):
    parameters = serializers.DictField(help_text="本次评估使用的全部参数")


class HouseholdResultSerializer(serializers.Serializer):
    household_no = serializers.CharField()
    village_code = serializers.CharField()
    poverty_status = serializers.ChoiceField(choices=PovertyStatus.choices, help_text="评估时的贫困户状态")
    size = serializers.IntegerField()
    net_income = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    income_per_capita = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    income_ok = serializers.BooleanField(allow_null=True)
    food_clothing_ok = serializers.BooleanField(allow_null=True)
    education_ok = serializers.BooleanField(allow_null=True)
    medical_ok = serializers.BooleanField(allow_null=True)
    housing_ok = serializers.BooleanField(allow_null=True)
    water_ok = serializers.BooleanField(allow_null=True)
    meets_standard = serializers.BooleanField(allow_null=True)
    exit_eligible = serializers.BooleanField(allow_null=True)
    identify_candidate = serializers.BooleanField(allow_null=True)
    relapse_candidate = serializers.BooleanField(allow_null=True)
    monitoring_flag = serializers.BooleanField(allow_null=True)
    triggers = serializers.ListField(
        child=serializers.ChoiceField(choices=[(name, FLAG_LABELS[name]) for name in TRIGGERS]),
        help_text="触发的监测预警",
    )
    tier = serializers.ChoiceField(
        choices=Tier.choices, allow_blank=True, help_text="分层分类；只有已脱贫户分层，其他户和未评估的户为空"
    )
    suggested_category = serializers.ChoiceField(choices=Category.choices, allow_blank=True)
    reasons = serializers.CharField(allow_blank=True, help_text="原因（以「；」分隔）")
    exclusion = serializers.CharField(allow_blank=True, help_text="未评估的原因")


class AreaResultSerializer(serializers.Serializer):
    area_code = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    level = serializers.CharField()
    population = serializers.IntegerField(allow_null=True, help_text="农村户籍人口")
    poor_population = serializers.IntegerField(help_text="贫困人口")
    incidence_pct = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="贫困发生率（%）"
    )
    exit_eligible = serializers.BooleanField(help_text="是否达到退出条件")
    reasons = serializers.CharField(allow_blank=True)


# --- views -----------------------------------------------------------------------------------------------------


def _run(request: Any, run_id: int) -> AssessmentRun:
    try:
        return run_for_user(user=request.user, run_id=run_id)
    except LookupError:
        raise Http404 from None


@extend_schema(tags=["评估"], summary="评估批次", description="覆盖用户区划范围的已完成评估批次，新批次在前。")
class RunListApi(ListAPIView):
    permission_classes = [CanViewPeople]
    pagination_class = PeoplePagination
    serializer_class = RunSerializer

    def get_queryset(self) -> Any:
        return runs_for_user(user=self.request.user).order_by("-id")


@extend_schema(tags=["评估"], summary="评估批次详情", description="批次及其使用的全部参数。", parameters=[RUN_ID])
class RunDetailApi(RetrieveAPIView):
    permission_classes = [CanViewPeople]
    serializer_class = RunDetailSerializer

    def get_object(self) -> AssessmentRun:
        return _run(self.request, self.kwargs["id"])


@extend_schema(
    tags=["评估"],
    summary="户评估结果",
    description="批次中用户区划范围内各户的评估结果，按户编号排序、分页。",
    parameters=[RUN_ID, ResultFilterSerializer],
)
class RunHouseholdsApi(ListAPIView):
    permission_classes = [CanViewPeople]
    pagination_class = PeoplePagination
    serializer_class = HouseholdResultSerializer

    def get_queryset(self) -> Any:
        filters = ResultFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        run = _run(self.request, self.kwargs["id"])
        return household_results_search_for_user(user=self.request.user, run=run, **filters.validated_data)


@extend_schema(
    tags=["评估"],
    summary="区域评估结果",
    description="批次中用户区划范围内的县、乡镇、行政村的贫困发生率和退出条件，按区划代码排序、分页。",
    parameters=[RUN_ID, AreaFilterSerializer],
)
class RunAreasApi(ListAPIView):
    permission_classes = [CanViewPeople]
    pagination_class = PeoplePagination
    serializer_class = AreaResultSerializer

    def get_queryset(self) -> Any:
        filters = AreaFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        run = _run(self.request, self.kwargs["id"])
        return area_results_for_user(user=self.request.user, run=run, level=filters.validated_data.get("level", ""))

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        names = area_names(codes=[row.area_code for row in page or []])
        for row in page or []:
            row.name = names.get(row.area_code)
        return page
