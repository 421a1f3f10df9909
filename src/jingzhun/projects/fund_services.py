"""Writes of the funds (项目资金): a fund received by document, part of it allocated to a project, money paid out of
an allocation with its voucher.

Two sums must never pass their parent: the allocations of a fund its amount, the payments of an allocation its
amount. Each check reads the sum under a row lock on the parent (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway), so two offices recording at the same moment cannot both slip under the line. Each
function checks the capability and the area again (a view is not trusted to have done it), refuses with the reason
in Chinese (:class:`FundRefused`, or ``PermissionDenied`` for the wrong role or area) and then writes everything in
one transaction, or nothing: a refused payment leaves neither a row nor a file behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import ROLE_CAPABILITIES, Capability, user_can
from jingzhun.areas.models import Area
from jingzhun.core.files import upload_sha256
from jingzhun.core.filetypes import DOCUMENTS, RefusedFile, file_kind
from jingzhun.core.params import record_date_problem
from jingzhun.core.scope import SYSTEM, account_of, in_scope

from .models import Allocation, Fund, FundSource, Payment, PaymentAttachment, Project, Stage

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_FILES = 10
ATTACHMENT_TYPES = DOCUMENTS  # told from the file's bytes: PDF, photos, .docx, .xlsx (vouchers are scanned)
CENT = Decimal("0.01")
# A project can be given money once it is approved (立项) and until it is terminated.
ALLOCATABLE_STAGES = (Stage.APPROVED, Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED, Stage.OPERATING)
ROLE_TEXT: dict[str, str] = {
    Role.COUNTY: "县级",
    Role.TOWN: "乡镇",
    Role.VILLAGE: "村级",
    Role.INSPECTOR: "督导",
    Role.HELPER: "帮扶责任人",
    Role.DEPARTMENT: "行业部门",
}
SOURCE_TEXT = dict(FundSource.choices)


class FundRefused(Exception):
    """A fund, allocation or payment that cannot be recorded; the message says why, in Chinese."""


def yuan(amount: Decimal) -> str:
    """An amount as the refusals and pages write it: thousands separated, two decimals (1,234,567.80)."""
    return f"{amount:,.2f}"


def _require(user: Any, capability: Capability, what: str) -> None:
    if user is SYSTEM or user_can(user, capability):
        return
    role = getattr(user, "role", "")
    allowed = "、".join(text for r, text in ROLE_TEXT.items() if capability in ROLE_CAPABILITIES.get(r, ()))
    raise PermissionDenied(f"「{what}」须由{allowed}用户办理，当前用户角色为「{ROLE_TEXT.get(role, role or '无')}」。")


def _money(value: Any, what: str) -> Decimal:
    """A positive amount in yuan with at most two decimals, or a refusal naming the field."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise FundRefused(f"{what}「{value}」不是有效的金额。") from None
    if not amount.is_finite() or amount <= 0:
        raise FundRefused(f"{what}须大于 0 元（填写的是 {value}）。")
    if amount != amount.quantize(CENT):
        raise FundRefused(f"{what}最多保留两位小数（元、角、分），填写的是 {value}。")
    if amount >= Decimal(10) ** 12:
        raise FundRefused(f"{what} {value} 元超出可登记的范围。")
    return amount.quantize(CENT)


def _check_date(on: dt.date, *, today: dt.date, what: str, not_before: dt.date | None = None, after: str = "") -> None:
    problem = record_date_problem(on, what=f"{what}", today=today)
    if problem:
        raise FundRefused(problem + "。")
    if not_before is not None and on < not_before:
        raise FundRefused(f"{what} {on:%Y-%m-%d} 早于{after}（{not_before:%Y-%m-%d}）。")


# --- funds ----------------------------------------------------------------------------------------------------


def fund_create(
    *,
    user: Any,
    source: str,
    year: int,
    document_no: str,
    title: str,
    amount: Any,
    issued_on: dt.date,
    area: Area,
    note: str = "",
    today: dt.date | None = None,
) -> Fund:
    """Record a fund received by a document (资金文件). The county office (MANAGE_FUNDS) records the funds of its
    own area. A fund issued before 1 January of its budget year is an early disbursement (提前下达); issued after
    its budget year ended is refused (a document for a past year is recorded under that year by its issue date)."""
    today = today or timezone.localdate()
    _require(user, Capability.MANAGE_FUNDS, "登记资金")
    if not in_scope(user, area.code):
        raise PermissionDenied(f"区划 {area.name}（{area.code}）不在您的管辖区域内，不能登记其资金。")
    if source not in SOURCE_TEXT:
        raise FundRefused(f"资金来源「{source}」无效，应为：{'、'.join(SOURCE_TEXT.values())}。")
    if not 2013 <= year <= today.year + 1:
        raise FundRefused(f"预算年度 {year} 须在 2013 至 {today.year + 1} 年之间。")
    document_no = document_no.strip()
    title = title.strip()
    if not document_no:
        raise FundRefused("须填写资金文件的文号。")
    if not title:
        raise FundRefused("须填写资金名称。")
    amount = _money(amount, "资金金额")
    _check_date(issued_on, today=today, what="下达日期")
    if issued_on.year > year:
        raise FundRefused(f"下达日期 {issued_on:%Y-%m-%d} 晚于预算年度 {year} 年，请核对预算年度。")
    if Fund.objects.filter(source=source, document_no=document_no).exists():
        raise FundRefused(f"{SOURCE_TEXT[source]}资金文号「{document_no}」已登记，不能重复登记。")
    try:
        with transaction.atomic():
            return Fund.objects.create(
                source=source,
                year=year,
                document_no=document_no,
                title=title,
                amount=amount,
                issued_on=issued_on,
                area=area,
                note=note.strip(),
                created_by=account_of(user),
            )
    except IntegrityError:  # recorded by someone else in the meantime
        raise FundRefused(f"{SOURCE_TEXT[source]}资金文号「{document_no}」已登记，不能重复登记。") from None


# --- allocations ----------------------------------------------------------------------------------------------


def allocation_create(
    *,
    user: Any,
    fund: Fund,
    project: Project,
    amount: Any,
    allocated_on: dt.date,
    note: str = "",
    today: dt.date | None = None,
) -> Allocation:
    """Allocate part of ``fund`` to ``project``. Refused when the fund's allocations would pass its amount (read
    under a lock on the fund), when the project is not yet approved or was terminated, or when the project or the
    fund lies outside the user's area or the project outside the fund's."""
    today = today or timezone.localdate()
    _require(user, Capability.MANAGE_FUNDS, "分配资金")
    if not in_scope(user, fund.area_id):
        raise PermissionDenied(f"资金「{fund.document_no}」不属于您的管辖区域。")
    if not in_scope(user, project.area_id):
        raise PermissionDenied(f"项目 {project.code} 不在您的管辖区域内。")
    if not project.area_id.startswith(fund.area.prefix):
        raise FundRefused(f"项目 {project.code} 不在资金「{fund.document_no}」所属区划（{fund.area.name}）内。")
    if project.stage not in ALLOCATABLE_STAGES:
        word = Stage(project.stage).label
        if project.stage == Stage.TERMINATED:
            raise FundRefused(f"项目 {project.code} 已终止，不能再分配资金。")
        raise FundRefused(f"项目 {project.code} 尚处于「{word}」阶段，立项后才能分配资金。")
    amount = _money(amount, "分配金额")
    _check_date(allocated_on, today=today, what="分配日期", not_before=fund.issued_on, after="资金下达日期")
    with transaction.atomic():
        locked = Fund.objects.select_for_update().get(pk=fund.pk)
        before = Allocation.objects.filter(fund=locked).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        after = before + amount
        if after > locked.amount:
            raise FundRefused(
                f"本次分配 {yuan(amount)} 元后累计分配 {yuan(after)} 元，超过资金「{locked.document_no}」的金额 "
                f"{yuan(locked.amount)} 元（已分配 {yuan(before)} 元，尚可分配 {yuan(locked.amount - before)} 元）。"
            )
        return Allocation.objects.create(
            fund=locked,
            project=project,
            amount=amount,
            allocated_on=allocated_on,
            note=note.strip(),
            by=account_of(user),
        )


# --- payments -------------------------------------------------------------------------------------------------


def payment_create(
    *,
    user: Any,
    allocation: Allocation,
    amount: Any,
    paid_on: dt.date,
    voucher_no: str,
    payee: str = "",
    purpose: str = "",
    attachments: Sequence[UploadedFile] = (),
    today: dt.date | None = None,
) -> Payment:
    """Record money paid out of ``allocation`` (报账支出) with its voucher and scanned attachments. The county and
    town offices (RECORD_PAYMENTS) record payments of projects in their own area. Refused — nothing written, no
    file kept — when the allocation's payments would pass its amount (read under a lock on the allocation), the
    voucher number was used, the date lies outside the record window or before the allocation, or an attachment
    is too large or not a document by its bytes."""
    today = today or timezone.localdate()
    _require(user, Capability.RECORD_PAYMENTS, "登记支付")
    project = allocation.project
    if not in_scope(user, project.area_id):
        raise PermissionDenied(f"项目 {project.code} 不在您的管辖区域内，不能登记其支付。")
    if project.stage == Stage.TERMINATED:
        raise FundRefused(f"项目 {project.code} 已终止，不能再登记支付。")
    amount = _money(amount, "支付金额")
    voucher_no = voucher_no.strip()
    if not voucher_no:
        raise FundRefused("须填写支付凭证号。")
    _check_date(paid_on, today=today, what="支付日期", not_before=allocation.allocated_on, after="资金分配日期")
    _check_attachments(attachments)
    if Payment.objects.filter(voucher_no=voucher_no).exists():
        raise FundRefused(f"凭证号「{voucher_no}」已登记过一笔支付，不能重复登记。")
    stored: list[PaymentAttachment] = []
    try:
        with transaction.atomic():
            locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
            before = Payment.objects.filter(allocation=locked).aggregate(s=Sum("amount"))["s"] or Decimal(0)
            after = before + amount
            if after > locked.amount:
                raise FundRefused(
                    f"本次支付 {yuan(amount)} 元后累计支付 {yuan(after)} 元，超过该项分配额 {yuan(locked.amount)} 元"
                    f"（已支付 {yuan(before)} 元）。"
                )
            payment = Payment.objects.create(
                allocation=locked,
                project_id=locked.project_id,
                fund_id=locked.fund_id,
                amount=amount,
                paid_on=paid_on,
                voucher_no=voucher_no,
                payee=payee.strip(),
                purpose=purpose.strip(),
                by=account_of(user),
            )
            for index, upload in enumerate(attachments, start=1):
                stored.append(_attach(payment, index, upload, user))
    except IntegrityError:
        _discard(stored)
        raise FundRefused(f"凭证号「{voucher_no}」已登记过一笔支付，不能重复登记。") from None
    except BaseException:
        _discard(stored)
        raise
    return payment


def _check_attachments(attachments: Sequence[UploadedFile]) -> None:
    if len(attachments) > ATTACHMENT_MAX_FILES:
        raise FundRefused(f"一次最多上传 {ATTACHMENT_MAX_FILES} 个附件。")
    for upload in attachments:
        if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
            raise FundRefused(f"附件「{upload.name}」超过 10 MB。")
        try:
            file_kind(upload, allowed=ATTACHMENT_TYPES)
        except RefusedFile as refused:
            raise FundRefused(f"附件「{upload.name}」{refused}。") from None


def _attach(payment: Payment, index: int, upload: UploadedFile, user: Any) -> PaymentAttachment:
    attachment = PaymentAttachment(
        payment=payment,
        original_name=upload.name or "附件",
        size=upload.size or 0,
        sha256=upload_sha256(upload),
        uploaded_by=account_of(user),
    )
    suffix = file_kind(upload, allowed=ATTACHMENT_TYPES).suffix
    attachment.file.save(f"{payment.pk}-{index}{suffix}", upload, save=False)
    attachment.save()
    return attachment


def _discard(stored: list[PaymentAttachment]) -> None:
    """Remove the files of attachments whose rows were rolled back: a refused payment keeps no file."""
    for attachment in stored:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)


__all__ = [
    "ALLOCATABLE_STAGES",
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TYPES",
    "FundRefused",
    "allocation_create",
    "fund_create",
    "payment_create",
    "yuan",
]
