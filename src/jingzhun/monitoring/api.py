"""``/api/monitoring/cases/``: monitoring cases in the user's scope, and workflow steps taken through the API.

Reads go through the scoped selectors (another area's case is 404). A step is the same service call as on
the page — same order, role, area, date and attachment checks, same optimistic lock (``version``) — and a
refusal comes back as 400 (or 403 for the wrong role) with the Chinese reason in ``detail``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from jingzhun.accounts.api import CanViewPeople
from jingzhun.core.api import PeoplePagination, UploadField

from .models import Attachment, Category, Channel, HelpTier, MonitoringCase, RiskType, Stage
from .selectors import case_get_for_user, case_search_for_user
from .services import STEPS, CaseRefused, StepInput, case_step

CASE_ID = OpenApiParameter("case_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="监测记录编号")


class CaseFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, help_text="当前环节")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, help_text="发现渠道")
    category = serializers.ChoiceField(choices=Category.choices, required=False, help_text="监测对象类别")
    tier = serializers.ChoiceField(choices=HelpTier.choices, required=False, help_text="即时帮扶分档")
    overdue = serializers.ChoiceField(
        choices=[("decision", "认定逾期"), ("help", "帮扶逾期"), ("any", "任一逾期")], required=False
    )
    state = serializers.ChoiceField(
        choices=[("open", "未办结"), ("closed", "已办结"), ("all", "全部")], required=False, default="open"
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="户编号（开头）")


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    household_no = serializers.CharField(source="household.household_no")
    village_code = serializers.CharField(source="household.village_id")
    channel = serializers.ChoiceField(choices=Channel.choices, help_text="首次发现渠道")
    stage = serializers.ChoiceField(choices=Stage.choices)
    category = serializers.ChoiceField(choices=Category.choices, allow_blank=True)
    risk_types = serializers.ListField(child=serializers.ChoiceField(choices=RiskType.choices))
    opened_on = serializers.DateField(help_text="发现日期")
    decision_due = serializers.DateField(help_text="县级认定期限")
    decision_due_estimated = serializers.BooleanField(help_text="期限跨入节假日未公布的年份，按工作日估算")
    decided_on = serializers.DateField(allow_null=True)
    monitored_since = serializers.DateField(allow_null=True)
    help_tier = serializers.ChoiceField(choices=HelpTier.choices, allow_blank=True)
    help_due = serializers.DateField(allow_null=True, help_text="即时帮扶响应期限")
    help_started_on = serializers.DateField(allow_null=True, help_text="首次帮扶日期")
    measures = serializers.IntegerField(help_text="帮扶措施数")
    closed_on = serializers.DateField(allow_null=True)
    close_reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="办理下一步时须原样提交")


class StepSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_stage = serializers.CharField(allow_blank=True)
    to_stage = serializers.CharField()
    on = serializers.DateField()
    actor = serializers.CharField()
    role = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    data = serializers.DictField()


class CaseDetailSerializer(CaseSerializer):
    steps = StepSerializer(many=True, source="steps.all")


class StepRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, r.label) for a, r in STEPS.items()])
    version = serializers.IntegerField(min_value=1, help_text="读取记录时的 version")
    on = serializers.DateField(help_text="办理日期")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    passed = serializers.BooleanField(required=False, default=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True, default="")
    risk_types = serializers.ListField(
        child=serializers.ChoiceField(choices=RiskType.choices), required=False, default=list
    )


class StepUploadSerializer(StepRequestSerializer):
    """同一步骤以 multipart/form-data 提交，可附文件（附件只能这样提交）。"""

    attachment_kind = serializers.ChoiceField(
        choices=Attachment.Kind.choices, required=False, help_text="附件类别；不填时按这一步要求的类别"
    )
    attachment = UploadField(
        required=False,
        help_text="签字的授权承诺书、会议记录或公示照片（文件）：PDF、JPEG、PNG、WebP 图片或 .docx、.xlsx，按文件内容判断，不含宏",
    )


@extend_schema(
    tags=["防返贫监测"],
    summary="监测记录",
    description="用户区划范围内的监测记录，默认只列未办结的，按编号排序、分页。",
    parameters=[CaseFilterSerializer],
)
class CaseListApi(ListAPIView):
    permission_classes = [CanViewPeople]
    pagination_class = PeoplePagination
    serializer_class = CaseSerializer

    def get_queryset(self) -> Any:
        filters = CaseFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        text = values.pop("q", "")
        return case_search_for_user(user=self.request.user, text=text, **values).order_by("id")


@extend_schema(tags=["防返贫监测"], summary="监测记录详情", description="记录及其每一步办理。", parameters=[CASE_ID])
class CaseDetailApi(RetrieveAPIView):
    permission_classes = [CanViewPeople]
    serializer_class = CaseDetailSerializer

    def get_object(self) -> MonitoringCase:
        return case_get_for_user(user=self.request.user, case_id=self.kwargs["case_id"])


@extend_schema(
    tags=["防返贫监测"],
    summary="办理一步",
    description=(
        "按流程办理下一步。顺序、角色、区域、日期、附件不符时返回 400 或 403，detail 为原因。"
        "需要附件的步骤（如授权承诺书）以 multipart/form-data 提交，attachment 为文件；其余步骤也可用 JSON。"
    ),
    parameters=[CASE_ID],
    request={"application/json": StepRequestSerializer, "multipart/form-data": StepUploadSerializer},
    responses={200: CaseDetailSerializer},
)
class CaseStepApi(GenericAPIView):
    permission_classes = [CanViewPeople]
    serializer_class = StepUploadSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def post(self, request: Request, case_id: int) -> Response:
        case = case_get_for_user(user=request.user, case_id=case_id)
        # One serializer for both: a JSON body that names an attachment is refused (it is no file), not ignored.
        form = StepUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        attachments = []
        if data.get("attachment") is not None:
            attachments.append(
                (data.get("attachment_kind") or STEPS[data["action"]].attachment or "other", data["attachment"])
            )
        step = StepInput(
            on=data["on"],
            note=data["note"],
            passed=data["passed"],
            reason=data["reason"],
            category=data["category"],
            risk_types=data["risk_types"],
            attachments=attachments,
        )
        try:
            case = case_step(
                case_id=case.pk, action=data["action"], user=request.user, expected_version=data["version"], step=step
            )
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
        except CaseRefused as refused:
            raise ValidationError({"detail": str(refused)}) from None
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_200_OK)
