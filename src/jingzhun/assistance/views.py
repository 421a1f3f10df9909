"""The assistance pages (帮扶): helpers and pairings, work teams and attendance, measures, visits, coverage and the
helper's own households. Thin: parse the input, read through the scoped selectors, call a service, render.

Who may do what:
- see anything here: VIEW_PEOPLE, and only inside the user's area scope (another area's record is a 404);
- manage helpers, pairings, work teams, attendance and measures: EDIT_PEOPLE (village, town, county);
- edit and deactivate helpers, edit and end work teams, import a helper roster: MANAGE_HELPERS (town, county),
  only for helpers who work in the user's area and teams of its villages (others: 404);
- record a visit or close a follow-up: EDIT_PEOPLE for any household of the scope, or RECORD_VISIT (the helper
  role) for the households currently paired with the helper linked to the account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.areas.models import Area
from jingzhun.areas.selectors import villages_in_scope
from jingzhun.core.paging import query_without_paging
from jingzhun.core.params import query_page_key
from jingzhun.core.scope import scope_prefix
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import households_for_user

from . import selectors, services
from .forms import (
    AttendanceForm,
    EndForm,
    HelperEditForm,
    HelperForm,
    MeasureForm,
    NotVisitedForm,
    PairingEndForm,
    PairingForm,
    PeriodForm,
    VisitForm,
    WorkTeamEditForm,
    WorkTeamForm,
)
from .models import FollowUp, Helper, HelperKind, Pairing, Visit, VisitPhoto, WorkTeam

VIEW = Capability.VIEW_PEOPLE
EDIT = Capability.EDIT_PEOPLE
MANAGE = Capability.MANAGE_HELPERS


def _add_errors(form: Any, error: ValidationError) -> None:
    """A service's error under the form field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _household(request: HttpRequest, household_no: str) -> Household:
    try:
        return households_for_user(user=request.user).select_related("village").get(household_no=household_no)
    except Household.DoesNotExist:
        raise Http404 from None


def _may_record_visits(user: Any) -> bool:
    return user_can(user, Capability.RECORD_VISIT) or user_can(user, EDIT)


def _visitable(request: HttpRequest, household: Household) -> None:
    """403 for a household of the scope the user may not record visits for (a helper's unpaired household)."""
    if not _may_record_visits(request.user):
        raise PermissionDenied
    if not selectors.households_visitable_for_user(user=request.user).filter(pk=household.pk).exists():
        raise PermissionDenied


@capability_required(VIEW)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if selectors.helper_of_user(user=request.user) is not None:
        return redirect("assistance:mine")
    return redirect("assistance:helper_list")


# --- helpers and pairings -------------------------------------------------------------------------------------


@capability_required(VIEW)
@require_GET
def helper_list(request: HttpRequest) -> HttpResponse:
    helpers = selectors.helpers_with_counts(user=request.user)
    return render(
        request,
        "assistance/helper_list.html",
        {"helpers": helpers, "may_edit": user_can(request.user, EDIT), "may_import": user_can(request.user, MANAGE)},
    )


@capability_required(EDIT)
@require_http_methods(["GET", "POST"])
def helper_create(request: HttpRequest) -> HttpResponse:
    form = HelperForm(request.POST or None, areas=selectors.areas_for_helpers(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            helper = services.helper_create(
                name=data["name"],
                unit=data["unit"],
                phone=data["phone"],
                kind=data["kind"],
                area=Area.objects.get(code=data["area"]),
                account_username=data["account"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Helper %(name)s added.") % {"name": helper.name})
            return redirect("assistance:helper_detail", helper_id=helper.pk)
    return render(request, "assistance/helper_create.html", {"form": form})


def _helper(request: HttpRequest, helper_id: int) -> Helper:
    try:
        return selectors.helper_get_for_user(user=request.user, helper_id=helper_id)
    except Helper.DoesNotExist:
        raise Http404 from None


def _helper_page(request: HttpRequest, helper: Helper, form: PairingForm | None = None, status: int = 200):
    pairings = selectors.pairings_for_user(user=request.user).filter(helper=helper).order_by("ended_on", "-started_on")
    context = {
        "helper": helper,
        "current": [p for p in pairings if p.ended_on is None],
        "history": [p for p in pairings if p.ended_on is not None],
        "may_edit": user_can(request.user, EDIT) and helper.active,
        "may_manage": user_can(request.user, MANAGE)
        and selectors.helpers_managed_by(user=request.user).filter(pk=helper.pk).exists(),
        "form": form or PairingForm(),
        "end_form": PairingEndForm(),
    }
    return render(request, "assistance/helper_detail.html", context, status=status)


@capability_required(VIEW)
@require_GET
def helper_detail(request: HttpRequest, helper_id: int) -> HttpResponse:
    return _helper_page(request, _helper(request, helper_id))


@capability_required(EDIT)
@require_POST
def helper_pair(request: HttpRequest, helper_id: int) -> HttpResponse:
    helper = _helper(request, helper_id)
    form = PairingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        household = households_for_user(user=request.user).filter(household_no=data["household_no"].strip()).first()
        if household is None:
            form.add_error("household_no", _("No household with this number in your area."))
        else:
            try:
                services.pairing_set(helper=helper, household=household, started_on=data["started_on"], by=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Paired with household %(no)s.") % {"no": household.household_no})
                return redirect("assistance:helper_detail", helper_id=helper.pk)
    return _helper_page(request, helper, form, status=400)


@capability_required(EDIT)
@require_POST
def pairing_end(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        pairing = selectors.pairing_get_for_user(user=request.user, pairing_id=pairing_id)
    except Pairing.DoesNotExist:
        raise Http404 from None
    form = PairingEndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(
                pairing=pairing,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
    if form.errors:
        for field_errors in form.errors.values():
            for text in field_errors:
                messages.error(request, str(text))
    else:
        messages.success(request, _("Pairing ended."))
    return redirect("assistance:helper_detail", helper_id=pairing.helper_id)


def _managed_helper(request: HttpRequest, helper_id: int) -> Helper:
    try:
        return selectors.helpers_managed_by(user=request.user).get(pk=helper_id)
    except Helper.DoesNotExist:
        raise Http404 from None


def _helper_edit_page(
    request: HttpRequest, helper: Helper, form: HelperEditForm, end_form: EndForm, status: int = 200
) -> HttpResponse:
    context = {
        "helper": helper,
        "form": form,
        "end_form": end_form,
        "history": selectors.changes_of(entity="helper", entity_id=helper.pk),
    }
    return render(request, "assistance/helper_edit.html", context, status=status)


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def helper_edit(request: HttpRequest, helper_id: int) -> HttpResponse:
    """Correct a helper's details; the page shows who changed what."""
    helper = _managed_helper(request, helper_id)
    areas = selectors.areas_for_helpers(user=request.user)
    initial = {"name": helper.name, "kind": helper.kind, "unit": helper.unit, "phone": helper.phone}
    form = HelperEditForm(request.POST or None, areas=areas, initial={**initial, "area": helper.area_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = services.helper_update(
                helper=helper,
                name=data["name"],
                unit=data["unit"],
                phone=data["phone"],
                kind=data["kind"],
                area=Area.objects.get(code=data["area"]),
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Helper updated.") if changes else _("Nothing was changed."))
            return redirect("assistance:helper_detail", helper_id=helper.pk)
    status = 400 if form.is_bound and form.errors else 200
    return _helper_edit_page(request, helper, form, EndForm(), status=status)


@capability_required(MANAGE)
@require_POST
def helper_deactivate(request: HttpRequest, helper_id: int) -> HttpResponse:
    """Deactivate a helper: their current pairings end on the date given, for the reason given."""
    helper = _managed_helper(request, helper_id)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            ended = services.helper_deactivate(
                helper=helper,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Helper deactivated; %(count)s pairings ended.") % {"count": ended})
            return redirect("assistance:helper_detail", helper_id=helper.pk)
    areas = selectors.areas_for_helpers(user=request.user)
    initial = {"name": helper.name, "kind": helper.kind, "unit": helper.unit, "phone": helper.phone}
    edit = HelperEditForm(areas=areas, initial={**initial, "area": helper.area_id})
    return _helper_edit_page(request, helper, edit, form, status=400)


# --- work teams -----------------------------------------------------------------------------------------------


@capability_required(VIEW)
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    teams = selectors.teams_for_user(user=request.user).order_by("village__code", "-started_on")
    return render(request, "assistance/team_list.html", {"teams": teams, "may_edit": user_can(request.user, EDIT)})


@capability_required(EDIT)
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    helpers = selectors.helpers_for_user(user=request.user).filter(active=True).order_by("name")
    choices = [(h.pk, str(h)) for h in helpers]
    leaders = [(h.pk, str(h)) for h in helpers if h.kind == HelperKind.FIRST_SECRETARY]
    form = WorkTeamForm(
        request.POST or None,
        villages=villages_in_scope(prefix=scope_prefix(request.user)),
        leaders=leaders,
        helpers=choices,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {h.pk: h for h in helpers}
        try:
            team = services.work_team_create(
                village=Area.objects.get(code=data["village"]),
                unit=data["unit"],
                leader=by_pk.get(data["leader"]) if data["leader"] else None,
                members=[by_pk[pk] for pk in data["members"]],
                started_on=data["started_on"],
                ended_on=data["ended_on"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Work team added."))
            return redirect("assistance:team_detail", team_id=team.pk)
    return render(request, "assistance/team_create.html", {"form": form})


def _team(request: HttpRequest, team_id: int) -> WorkTeam:
    try:
        return selectors.team_get_for_user(user=request.user, team_id=team_id)
    except WorkTeam.DoesNotExist:
        raise Http404 from None


def _team_page(request: HttpRequest, team: WorkTeam, form: AttendanceForm | None = None, status: int = 200):
    period = PeriodForm(request.GET or None)
    date_from, date_to = period.period()
    members = [(m.pk, m.name) for m in team.members.order_by("name")]
    context = {
        "team": team,
        "members": team.members.order_by("name"),
        "period": period,
        "date_from": date_from,
        "date_to": date_to,
        "summary": selectors.attendance_summary(team=team, date_from=date_from, date_to=date_to),
        "recent": selectors.attendance_recent(team=team),
        "may_edit": user_can(request.user, EDIT),
        "may_manage": user_can(request.user, MANAGE),
        "form": form or AttendanceForm(members=members),
    }
    return render(request, "assistance/team_detail.html", context, status=status)


@capability_required(VIEW)
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    return _team_page(request, _team(request, team_id))


def _team_edit_page(
    request: HttpRequest, team: WorkTeam, form: WorkTeamEditForm, end_form: EndForm, status: int = 200
) -> HttpResponse:
    context = {
        "team": team,
        "form": form,
        "end_form": end_form,
        "history": selectors.changes_of(entity="work_team", entity_id=team.pk),
    }
    return render(request, "assistance/team_edit.html", context, status=status)


def _team_edit_form(request: HttpRequest, team: WorkTeam, data: Any = None) -> tuple[WorkTeamEditForm, dict]:
    """The edit form of ``team``: its members may stay (even deactivated ones); new ones are active helpers of
    the user's area."""
    current = set(team.members.values_list("pk", flat=True))
    helpers = selectors.helpers_for_user(user=request.user).filter(Q(active=True) | Q(pk__in=current))
    by_pk = {h.pk: h for h in helpers.order_by("name", "pk")}
    choices = [(pk, str(h)) for pk, h in by_pk.items()]
    leaders = [(pk, str(h)) for pk, h in by_pk.items() if h.kind == HelperKind.FIRST_SECRETARY]
    initial = {
        "unit": team.unit,
        "leader": team.leader_id,
        "members": sorted(current),
        "started_on": team.started_on,
        "ended_on": team.ended_on,
    }
    return WorkTeamEditForm(data, leaders=leaders, helpers=choices, initial=initial), by_pk


@capability_required(MANAGE)
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    """Correct a work team's unit, leader, members or period; the page shows who changed what."""
    team = _team(request, team_id)
    form, by_pk = _team_edit_form(request, team, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = services.work_team_update(
                team=team,
                unit=data["unit"],
                leader=by_pk.get(data["leader"]) if data["leader"] else None,
                members=[by_pk[pk] for pk in data["members"]],
                started_on=data["started_on"],
                ended_on=data["ended_on"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Work team updated.") if changes else _("Nothing was changed."))
            return redirect("assistance:team_detail", team_id=team.pk)
    status = 400 if form.is_bound and form.errors else 200
    return _team_edit_page(request, team, form, EndForm(), status=status)


@capability_required(MANAGE)
@require_POST
def team_end(request: HttpRequest, team_id: int) -> HttpResponse:
    """End a work team's stay in its village on the date given, for the reason given."""
    team = _team(request, team_id)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.work_team_end(
                team=team,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Work team ended."))
            return redirect("assistance:team_detail", team_id=team.pk)
    edit, _by_pk = _team_edit_form(request, team)
    return _team_edit_page(request, team, edit, form, status=400)


@capability_required(EDIT)
@require_POST
def team_attendance(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    members = {m.pk: m for m in team.members.all()}
    form = AttendanceForm(request.POST, members=[(pk, m.name) for pk, m in members.items()])
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.attendance_record(
                team=team,
                member=members[data["member"]],
                date=data["date"],
                status=data["status"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect("assistance:team_detail", team_id=team.pk)
    return _team_page(request, team, form, status=400)


# --- a household: helper, measures, visits ----------------------------------------------------------------------


def _household_page(request: HttpRequest, household: Household, form: MeasureForm | None = None, status: int = 200):
    context = {
        "household": household,
        "assistance": selectors.assistance_for_household(household=household),
        "may_edit": user_can(request.user, EDIT),
        "may_visit": _may_record_visits(request.user)
        and selectors.households_visitable_for_user(user=request.user).filter(pk=household.pk).exists(),
        "form": form or MeasureForm(),
    }
    return render(request, "assistance/household.html", context, status=status)


@capability_required(VIEW)
@require_http_methods(["GET", "POST"])
def household(request: HttpRequest, household_no: str) -> HttpResponse:
    """The household's assistance: helper and history, measures (and the form to record one), visits."""
    home = _household(request, household_no)
    if request.method != "POST":
        return _household_page(request, home)
    if not user_can(request.user, EDIT):
        raise PermissionDenied
    form = MeasureForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.measure_record(household=home, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Measure recorded."))
            return redirect("assistance:household", household_no=home.household_no)
    return _household_page(request, home, form, status=400)


def _visit_helpers(request: HttpRequest, household: Household) -> list[tuple[int, str]]:
    """Whom a visit may be recorded for: a helper records their own; an editor picks any active helper they see,
    the household's current helper first."""
    if not user_can(request.user, EDIT):
        helper = selectors.helper_of_user(user=request.user)
        return [(helper.pk, str(helper))] if helper else []
    current = household.pairings.filter(ended_on__isnull=True).values_list("helper_id", flat=True).first()
    helpers = selectors.helpers_for_user(user=request.user).filter(active=True).order_by("name", "pk")
    choices = [(h.pk, str(h)) for h in helpers]
    return sorted(choices, key=lambda choice: choice[0] != current)


@capability_required(VIEW)
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, household_no: str) -> HttpResponse:
    home = _household(request, household_no)
    _visitable(request, home)
    helpers = _visit_helpers(request, home)
    form = VisitForm(request.POST or None, request.FILES or None, helpers=helpers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_record(
                household=home,
                helper=Helper.objects.get(pk=data["helper"]),
                visited_on=data["visited_on"],
                findings=data["findings"],
                needs=data["needs"],
                follow_ups=form.follow_up_lines(),
                follow_up_due=data["follow_up_due"],
                photos=data["photos"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Visit recorded."))
            if selectors.helper_of_user(user=request.user) is not None and not user_can(request.user, EDIT):
                return redirect("assistance:mine")
            return redirect("assistance:visit_detail", visit_id=visit.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "assistance/visit_new.html", {"household": home, "form": form}, status=status)


@capability_required(VIEW)
@require_GET
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    try:
        visit = selectors.visit_get_for_user(user=request.user, visit_id=visit_id)
    except Visit.DoesNotExist:
        raise Http404 from None
    may_close = _may_record_visits(request.user) and (
        selectors.households_visitable_for_user(user=request.user).filter(pk=visit.household_id).exists()
    )
    context = {
        "visit": visit,
        "follow_ups": visit.follow_ups.order_by("done", "pk"),
        "photos": visit.photos.order_by("pk"),
        "may_close": may_close,
    }
    return render(request, "assistance/visit_detail.html", context)


@capability_required(VIEW)
@require_GET
def photo(request: HttpRequest, photo_id: int) -> Any:
    """A visit photo, streamed after the scope check; never a public media URL."""
    try:
        row = selectors.photo_get_for_user(user=request.user, photo_id=photo_id)
    except VisitPhoto.DoesNotExist:
        raise Http404 from None
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@capability_required(VIEW)
@require_POST
def follow_up_close(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    try:
        follow_up = selectors.follow_up_get_for_user(user=request.user, follow_up_id=follow_up_id)
    except FollowUp.DoesNotExist:
        raise Http404 from None
    _visitable(request, follow_up.household)
    try:
        services.follow_up_close(follow_up=follow_up, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Follow-up closed."))
    target = request.POST.get("next", "")
    if target == "mine":
        return redirect("assistance:mine")
    return redirect("assistance:visit_detail", visit_id=follow_up.visit_id)


# --- coverage and the helper's own households -----------------------------------------------------------------------


@capability_required(VIEW)
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    """Visit coverage by town and village (counted once per data version and kept) and by helper (a page of
    helpers at a time, counted for that page)."""
    period = PeriodForm(request.GET or None)
    date_from, date_to = period.period()
    areas = selectors.coverage_by_area_cached(user=request.user, date_from=date_from, date_to=date_to)
    helpers = selectors.helper_coverage_page(
        user=request.user,
        date_from=date_from,
        date_to=date_to,
        after=query_page_key(request.GET, "after"),
        before=query_page_key(request.GET, "before"),
    )
    tables = [
        {"by": by, "title": title, "rows": areas[by], "total": selectors.coverage_total(areas[by])}
        for by, title in (("town", _("By town")), ("village", _("By village")))
    ]
    tables.append({"by": "helper", "title": _("By helper"), "rows": helpers.rows, "page": helpers})
    context = {
        "period": period,
        "date_from": date_from,
        "date_to": date_to,
        "tables": tables,
        "query": query_without_paging(request),
    }
    return render(request, "assistance/coverage.html", context)


@capability_required(VIEW)
@require_GET
def not_visited(request: HttpRequest) -> HttpResponse:
    form = NotVisitedForm(request.GET or None, villages=villages_in_scope(prefix=scope_prefix(request.user)))
    days, village = form.values()
    households = selectors.households_not_visited(user=request.user, days=days, village_code=village)
    context = {"form": form, "days": days, "households": households[:500], "count": households.count()}
    return render(request, "assistance/not_visited.html", context)


@capability_required(Capability.RECORD_VISIT)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """我的帮扶户: the helper's current households and what is due for each."""
    helper = selectors.helper_of_user(user=request.user)
    today = timezone.localdate()
    households = list(selectors.households_of_helper(helper=helper, user=request.user)) if helper else []
    days = selectors.DEFAULT_VISIT_DAYS
    for home in households:
        home.visit_due = home.last_visited is None or (today - home.last_visited).days >= days
        home.help_pending = home.help_due is not None and home.help_started_on is None
    open_follow_ups = selectors.follow_ups_open(household_ids=[h.pk for h in households])
    context = {
        "helper": helper,
        "households": households,
        "days": days,
        "today": today,
        "due_count": sum(1 for h in households if h.visit_due),
        "follow_ups": open_follow_ups,
    }
    return render(request, "assistance/mine.html", context)
