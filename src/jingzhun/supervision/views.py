"""The supervision pages (督导整改, docs/RULES.md §11): the findings list, an assignee's queue, recording a finding
(also in one click from a data-comparison clue), a finding with its parts, history and next steps, and evidence
downloads.

Every read goes through the scoped selectors (another area's finding is "not found"); what a user may *do* is
decided by the services, whose refusals — in Chinese — are shown on the page as they are, with nothing written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Prefetch, QuerySet
from django.db.models.functions import Cast, Substr
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.areas.selectors import area_names, towns_in_scope, villages_in_scope
from jingzhun.core.pages import htmx_fragment
from jingzhun.core.paging import keyset_page, keyset_page_tied, query_without_paging
from jingzhun.core.params import query_choice, query_page_key
from jingzhun.core.scope import household_in_scope, scope_prefix
from jingzhun.crosscheck.models import Clue
from jingzhun.projects.evaluation_selectors import evaluation_item_get_for_user
from jingzhun.projects.models import EvaluationItem

from . import selectors, services
from .forms import AssignForm, FindingFilterForm, FindingRecordForm, RectifyForm, ReopenForm, VerifyForm
from .models import Evidence, Finding, FindingPart, FindingStep, PartKind
from .services import EVIDENCE_TYPES, FindingRefused, FindingStale

PAGE_SIZE = 50

view_findings = capability_required(Capability.VIEW_FINDINGS)

STATE_TEXT = {
    "unassigned": "未交办",
    "rectifying": "整改中",
    "awaiting": "待核验",
    "closed": "已销号",
}
STATE_STYLE = {"unassigned": "warn", "rectifying": "warn", "awaiting": "alert", "closed": "muted"}
PART_TEXT = {"assign": "交办", PartKind.TOWN: "乡镇整改", PartKind.DEPARTMENT: "部门整改"}


# --- what the pages show of a finding ---------------------------------------------------------------------------


def _assignee_text(part: FindingPart | None, kind: str, code_or_key: str, names: dict[str, str]) -> str:
    who = part.assignee if part is not None else code_or_key
    if kind == PartKind.TOWN:
        return names.get(who, who)
    return services.department_label(who)


def _decorate(findings: list[Finding], *, user: Any, today: dt.date) -> None:
    """Give each finding (its parts prefetched as ``part_list``) what its row shows: the state, the area's and the
    assignees' names, the household link if the user may see it, and its late parts as of today (挂牌督办)."""
    if not findings:
        return
    codes = {f.area_code for f in findings} | {f.town_code for f in findings if f.town_code}
    codes |= {p.assignee for f in findings for p in f.part_list if p.kind == PartKind.TOWN}  # type: ignore[attr-defined]
    names = area_names(codes=sorted(codes))
    late: dict[int, list[selectors.LatePart]] = {}
    page = Finding.objects.filter(pk__in=[f.pk for f in findings])
    for item in selectors.late_parts(findings=page, as_of=today):
        late.setdefault(item.finding_id, []).append(item)
    sees_people = user_can(user, Capability.VIEW_PEOPLE)
    for finding in findings:
        parts: list[FindingPart] = finding.part_list  # type: ignore[attr-defined]
        state = selectors.finding_state(finding, parts)
        finding.state = state  # type: ignore[attr-defined]
        finding.state_text = STATE_TEXT[state]  # type: ignore[attr-defined]
        finding.state_style = STATE_STYLE[state]  # type: ignore[attr-defined]
        finding.area_name = names.get(finding.area_code, finding.area_code)  # type: ignore[attr-defined]
        finding.household_visible = bool(  # type: ignore[attr-defined]
            finding.household_id and sees_people and household_in_scope(user, finding.household)
        )
        by_kind = {p.kind: p for p in parts}
        rows = []
        for kind, code in ((PartKind.TOWN, finding.town_code), (PartKind.DEPARTMENT, finding.department)):
            part = by_kind.get(kind)
            if part is None and not code:
                continue
            rows.append(
                {
                    "kind": kind,
                    "kind_text": PartKind(kind).label,
                    "part": part,
                    "who": _assignee_text(part, kind, code, names),
                    "late": part is not None and part.done_on is None and part.due < today,
                }
            )
        finding.assignees = rows  # type: ignore[attr-defined]
        marks = late.get(finding.pk, [])
        finding.late_marks = [  # type: ignore[attr-defined]
            {"level": m.escalated_to, "what": PART_TEXT.get(m.part, m.part), "days": m.days_late, "due": m.due}
            for m in marks
        ]
        finding.assign_late = any(m.part == "assign" for m in marks)  # type: ignore[attr-defined]


def _with_parts(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    return findings.select_related("household").prefetch_related(
        Prefetch("parts", queryset=FindingPart.objects.order_by("kind"), to_attr="part_list")
    )


# --- the findings list ------------------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@view_findings
def finding_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    prefix = scope_prefix(user)
    form = FindingFilterForm(
        request.GET, towns=towns_in_scope(prefix=prefix), villages=villages_in_scope(prefix=prefix)
    )
    values = form.values()
    scoped = selectors.findings_for_user(user=user)
    findings = selectors.finding_search_for_user(
        user=user,
        state=values["state"],
        as_of=today,
        source=values["source"],
        category=values["category"],
        town=values["town"],
        village=values["village"],
        late=values["late"],
    )
    page = keyset_page(
        _with_parts(findings), key="number", after=values["after"], before=values["before"], size=PAGE_SIZE
    )
    _decorate(page.rows, user=user, today=today)
    context = {
        "form": form,
        "page": page,
        "query": query_without_paging(request),
        "filtered": any(values[name] for name in FindingFilterForm.FILTERS) or values["state"] != "open",
        "late_counts": selectors.late_counts(findings=scoped, as_of=today),
        "may_record": user_can(user, Capability.RECORD_FINDINGS),
        "may_rectify": user_can(user, Capability.RECTIFY_FINDINGS),
        "today": today,
    }
    template = "supervision/_finding_results.html" if htmx_fragment(request) else "supervision/finding_list.html"
    return render(request, template, context)


# --- an assignee's queue ----------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.RECTIFY_FINDINGS)
def queue(request: HttpRequest) -> HttpResponse:
    """The parts the user answers for: open ones first (soonest due first), then those done."""
    user = request.user
    today = timezone.localdate()
    days = services.supervision_rules().reminder_days
    parts = (
        selectors.parts_for_user(user=user)
        .select_related("finding")
        # The due date as text (ISO on both databases): the keyset page's order, the part's id breaking ties.
        .annotate(queue_order=Substr(Cast("due", CharField()), 1, 10))
    )
    open_parts = parts.filter(done_on__isnull=True)
    done_parts = parts.filter(done_on__isnull=False)
    after = query_page_key(request.GET, "after")
    before = query_page_key(request.GET, "before")
    showing_done = query_choice(request.GET, "done", ("1",)) == "1"
    page = keyset_page_tied(
        done_parts if showing_done else open_parts, order="queue_order", after=after, before=before, size=PAGE_SIZE
    )
    rows = list(page.rows)
    names = area_names(
        codes=sorted({p.finding.area_code for p in rows} | {p.assignee for p in rows if p.kind == PartKind.TOWN})
    )
    for part in rows:
        part.area_name = names.get(part.finding.area_code, part.finding.area_code)  # type: ignore[attr-defined]
        part.who = _assignee_text(part, part.kind, part.assignee, names)  # type: ignore[attr-defined]
        part.late = part.done_on is None and part.due < today  # type: ignore[attr-defined]
        part.days_late = (today - part.due).days if part.late else 0  # type: ignore[attr-defined]
        part.soon = part.done_on is None and today <= part.due <= today + dt.timedelta(days=days)  # type: ignore[attr-defined]
        part.days_left = (part.due - today).days  # type: ignore[attr-defined]
        part.done_late = bool(part.done_on and part.done_on > part.due)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "rows": rows,
        "query": query_without_paging(request),
        "counts": selectors.queue_counts(user=user, today=today, days=days),
        "reminders": selectors.reminders_for_user(user=user, today=today, days=days).count(),
        "reminder_days": days,
        "showing_done": showing_done,
        "today": today,
    }
    return render(request, "supervision/queue.html", context)


# --- recording a finding ----------------------------------------------------------------------------------------


def _areas_for(user: Any) -> list[tuple[str, str]]:
    """Where a finding may be found: the user's own county or town, its towns, and its villages by town."""
    prefix = scope_prefix(user)
    towns = towns_in_scope(prefix=prefix)
    town_names = dict(towns)
    areas: list[tuple[str, str]] = []
    own = getattr(user, "area", None)
    if own is not None and own.code not in town_names and prefix:
        areas.append((own.code, own.name))
    areas += [(code, name) for code, name in towns]
    for code, name in villages_in_scope(prefix=prefix):
        town = town_names.get(code[:9] + "000", "")
        areas.append((code, f"{town} · {name}" if town else name))
    return areas


@require_http_methods(["GET", "POST"])
@capability_required(Capability.RECORD_FINDINGS)
def finding_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefix = scope_prefix(user)
    form = FindingRecordForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        areas=_areas_for(user),
        towns=towns_in_scope(prefix=prefix),
    )
    context: dict[str, Any] = {"form": form, "error": ""}
    if request.method == "GET":
        return render(request, "supervision/finding_new.html", context)
    if not form.is_valid():
        context["error"] = _("Please correct the fields marked below.")
        return render(request, "supervision/finding_new.html", context, status=400)
    values = form.cleaned_data
    try:
        finding = services.finding_record(
            user=user,
            source=values["source"],
            found_on=values["found_on"],
            area_code=values["area"],
            category=values["category"],
            description=values["description"],
            town_code=values["town"],
            department=values["department"],
            household_no=values["household_no"].strip(),
            evidence=values["evidence"],
        )
    except (FindingRefused, PermissionDenied) as refused:
        context["error"] = str(refused)
        return render(request, "supervision/finding_new.html", context, status=400)
    messages.success(request, _("Finding %(number)s recorded.") % {"number": finding.number})
    return redirect("supervision:finding_detail", finding_id=finding.pk)


@require_POST
@capability_required(Capability.RECORD_FINDINGS)
def finding_from_clue(request: HttpRequest, clue_id: int) -> HttpResponse:
    """One click on a data-comparison clue's page: the clue's finding (made now, or the one made before)."""
    try:
        finding = services.finding_from_clue(clue_id=clue_id, user=request.user)
    except Clue.DoesNotExist:
        raise Http404 from None  # another area's clue, or none
    except (FindingRefused, PermissionDenied) as refused:
        messages.error(request, str(refused))
        return redirect("crosscheck:clue_detail", clue_id=clue_id)
    messages.success(request, _("Finding %(number)s of the clue.") % {"number": finding.number})
    return redirect("supervision:finding_detail", finding_id=finding.pk)


@require_POST
@capability_required(Capability.RECORD_FINDINGS)
def finding_from_project_problem(request: HttpRequest, item_id: int) -> HttpResponse:
    """One click on a problem of a project evaluation's page: the problem's finding (made now, or the one made
    before)."""
    try:
        finding = services.finding_from_project_problem(item_id=item_id, user=request.user)
    except EvaluationItem.DoesNotExist:
        raise Http404 from None  # another area's evaluation, or none
    except (FindingRefused, PermissionDenied) as refused:
        messages.error(request, str(refused))
        item = evaluation_item_get_for_user(user=request.user, item_id=item_id)
        return redirect("projects:evaluation_detail", evaluation_id=item.evaluation_id)
    messages.success(request, _("Finding %(number)s of the project problem.") % {"number": finding.number})
    return redirect("supervision:finding_detail", finding_id=finding.pk)


# --- one finding ------------------------------------------------------------------------------------------------

StepForm = AssignForm | RectifyForm | ReopenForm | VerifyForm


def _history(finding: Finding, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = selectors.finding_history(finding=finding)
    for row in rows:
        step: FindingStep = row["step"]
        data = step.data or {}
        row["label"] = step.get_action_display()
        row["part"] = PartKind(step.part).label if step.part in PartKind.values else ""
        items: list[tuple[str, str]] = []
        if data.get("town"):
            items.append((_("Responsible town"), names.get(data["town"], data["town"])))
        if data.get("department"):
            items.append((_("Responsible department"), services.department_label(data["department"])))
        if data.get("due") and step.action in (FindingStep.Action.ASSIGN, FindingStep.Action.REOPEN):
            items.append((_("Due"), data["due"]))
        row["data"] = items
        row["who"] = (step.by.get_full_name() or step.by.username) if step.by else step.actor
    return rows


def _detail_context(
    request: HttpRequest, finding: Finding, *, bound: StepForm | None = None, error: str = ""
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    finding = _with_parts(Finding.objects.filter(pk=finding.pk)).select_related("clue", "created_by").get()
    _decorate([finding], user=user, today=today)
    parts: list[FindingPart] = finding.part_list  # type: ignore[attr-defined]
    towns = towns_in_scope(prefix=scope_prefix(user))
    names = area_names(codes=sorted({c for c, _n in towns} | {finding.area_code} | {p.assignee for p in parts}))

    def form(cls: Any, **kwargs: Any) -> Any:
        """The step form of ``cls`` (for a part: ``kind``), or the one just posted when it is that form."""
        if bound is not None and isinstance(bound, cls) and getattr(bound, "part_kind", None) == kwargs.get("kind"):
            return bound
        return cls(
            prefix=f"{cls.ACTION}-{kwargs['kind']}" if "kind" in kwargs else cls.ACTION,
            version=finding.version,
            **kwargs,
        )

    actions: list[dict[str, Any]] = []
    state = finding.state  # type: ignore[attr-defined]
    if state == "unassigned":
        if user_can(user, Capability.RECORD_FINDINGS):
            assign = form(AssignForm, towns=towns)
            if assign is not bound:
                assign.initial = {"town": finding.town_code, "department": finding.department}
            actions.append({"action": "assign", "title": _("Assign"), "form": assign, "button": _("Assign")})
        else:
            actions.append(
                {
                    "action": "assign",
                    "title": _("Assign"),
                    "waiting": _("Awaiting assignment by the county office or an inspector"),
                }
            )
    if state in ("rectifying", "awaiting"):
        for part in parts:
            label = PartKind(part.kind).label
            if part.done_on is None:
                if user_can(user, Capability.RECTIFY_FINDINGS) and services.part_may_rectify(user, part, finding):
                    actions.append(
                        {
                            "action": "rectify",
                            "kind": part.kind,
                            "title": _("Rectify: the %(part)s part") % {"part": label},
                            "form": form(RectifyForm, kind=part.kind),
                            "button": _("Record the rectification"),
                        }
                    )
                else:
                    who = _assignee_text(part, part.kind, part.assignee, names)
                    actions.append(
                        {
                            "action": "rectify",
                            "kind": part.kind,
                            "title": _("Rectify: the %(part)s part") % {"part": label},
                            "waiting": _("Awaiting the rectification by %(who)s") % {"who": who},
                        }
                    )
            elif user_can(user, Capability.VERIFY_FINDINGS):
                actions.append(
                    {
                        "action": "reopen",
                        "kind": part.kind,
                        "title": _("Send the %(part)s part back") % {"part": label},
                        "form": form(ReopenForm, kind=part.kind),
                        "button": _("Send back for rectification"),
                        "secondary": True,
                    }
                )
    if state == "awaiting":
        if user_can(user, Capability.VERIFY_FINDINGS):
            actions.append(
                {
                    "action": "verify",
                    "title": _("Verify and close"),
                    "form": form(VerifyForm),
                    "button": _("Verify and close"),
                }
            )
        else:
            actions.append(
                {
                    "action": "verify",
                    "title": _("Verify and close"),
                    "waiting": _("Awaiting verification by an inspector"),
                }
            )
    return {
        "finding": finding,
        "parts": parts,
        "history": _history(finding, names),
        "actions": actions,
        "clue": finding.clue,
        "sees_clue": finding.clue_id is not None and user_can(user, Capability.VIEW_PEOPLE),
        "town_name": names.get(finding.town_code, finding.town_code),
        "department_name": services.department_label(finding.department) if finding.department else "",
        "error": error,
        "today": today,
    }


def _bound(action: str, request: HttpRequest, finding: Finding) -> StepForm | None:
    data, files = request.POST, request.FILES
    # The part forms are prefixed by their part: the kind is read from the prefixed hidden field of either part.
    if action in ("rectify", "reopen"):
        kind = next((k for k in PartKind.values if f"{action}-{k}-kind" in data), "")
        if not kind:
            return None
        prefix = f"{action}-{kind}"
        if action == "rectify":
            return RectifyForm(data, files, prefix=prefix, version=finding.version, kind=kind)
        return ReopenForm(data, prefix=prefix, version=finding.version, kind=kind)
    if action == "assign":
        return AssignForm(
            data, prefix="assign", version=finding.version, towns=towns_in_scope(prefix=scope_prefix(request.user))
        )
    if action == "verify":
        return VerifyForm(data, prefix="verify", version=finding.version)
    return None


def _take(form: StepForm, finding: Finding, user: Any) -> str:
    values = form.cleaned_data
    common = {"finding_id": finding.pk, "user": user, "on": values["on"], "expected_version": values["version"]}
    if isinstance(form, AssignForm):
        services.finding_assign(
            town_code=values["town"], department=values["department"], note=values["note"], **common
        )
        return _("Assigned.")
    if isinstance(form, RectifyForm):
        services.part_rectify(
            kind=form.part_kind, rectification=values["rectification"], evidence=values["evidence"], **common
        )
        return _("Rectification recorded.")
    if isinstance(form, ReopenForm):
        services.part_reopen(kind=form.part_kind, reason=values["reason"], **common)
        return _("Sent back for rectification.")
    services.finding_verify(note=values["note"], **common)
    return _("Verified and closed.")


@require_http_methods(["GET", "POST"])
@view_findings
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.finding_get_for_user(user=request.user, finding_id=finding_id)
    template = "supervision/finding_detail.html"
    if request.method == "GET":
        return render(request, template, _detail_context(request, finding))
    action = request.POST.get("action", "")
    form = _bound(action, request, finding)
    if form is None:
        error = _("This step cannot be taken now. Reload the page.")
        return render(request, template, _detail_context(request, finding, error=error), status=400)
    if not form.is_valid():
        context = _detail_context(request, finding, bound=form, error=_("Please correct the fields marked below."))
        return render(request, template, context, status=400)
    try:
        done = _take(form, finding, request.user)
    except FindingStale as refused:
        # The form answered a finding that has moved on: show it as it is now.
        fresh = selectors.finding_get_for_user(user=request.user, finding_id=finding_id)
        return render(request, template, _detail_context(request, fresh, error=str(refused)), status=409)
    except FindingRefused as refused:
        return render(request, template, _detail_context(request, finding, bound=form, error=str(refused)), status=400)
    except PermissionDenied as refused:
        return render(request, template, _detail_context(request, finding, bound=form, error=str(refused)), status=403)
    messages.success(request, done)
    return redirect("supervision:finding_detail", finding_id=finding.pk)


@require_GET
@view_findings
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence: Evidence = selectors.evidence_get_for_user(user=request.user, evidence_id=evidence_id)
    return stored_file_download(
        user=request.user,
        file=evidence.file,
        name=evidence.original_name,
        allowed=EVIDENCE_TYPES,
        target=f"supervision-evidence:{evidence.pk}",
        detail={"finding": evidence.finding_id, "name": evidence.original_name},
    )
