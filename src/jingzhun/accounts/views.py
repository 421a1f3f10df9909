"""Account pages: login (with the lockout message), password change, and the three administrators' pages.

Thin: forms validate, services act and audit, selectors read. Each administrator page asks for its own
capability, so no administrator reaches another's pages, and none of them shows people data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jingzhun.core.paging import KeysetPage, keyset_page, query_without_paging
from jingzhun.core.params import query_int, query_page_key, query_text

from . import selectors, services
from .decorators import capability_required
from .forms import (
    AccountChangeForm,
    AccountCreateForm,
    ApiTokenIssueForm,
    PasswordResetByAdministratorForm,
    RoleForm,
    UnlockForm,
    access_filter_form,
    audit_filter_form,
)
from .models import AccountChangeRequest, ApiToken, Role, User
from .permissions import Capability, is_administrator

PAGE_SIZE = 50


# Where each administrator lands after logging in: the home page shows people data, which they may not see.
ADMINISTRATOR_HOME: dict[str, str] = {
    Role.SYSTEM_ADMIN: "accounts:system_accounts",
    Role.SECURITY_ADMIN: "accounts:security_accounts",
    Role.AUDIT_ADMIN: "accounts:audit_events",
}


ADMINISTRATOR_SECTION: dict[str, str] = {
    Role.SYSTEM_ADMIN: "system",
    Role.SECURITY_ADMIN: "security",
    Role.AUDIT_ADMIN: "audit",
}


class AccountLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        home = ADMINISTRATOR_HOME.get(getattr(self.request.user, "role", ""))
        return reverse(home) if home else super().get_default_redirect_url()


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes' lockout response: the login page again, with the reason, status 429."""
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    message = _(
        "Too many failed logins: this account is locked. Try again in %(minutes)d minutes, "
        "or ask the security administrator to unlock it."
    ) % {"minutes": minutes}
    context = {"form": form, "locked_out_message": message, "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=429)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    reason = selectors.password_change_due(user=user)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=user, password=form.cleaned_data["new_password1"], request=request)
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    context = {
        "form": form,
        "reason": reason,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        "password_help": password_validators_help_texts(),
    }
    return render(request, "accounts/password_change.html", context)


# --- system administrator ------------------------------------------------------------------------------------


@capability_required(Capability.MANAGE_ACCOUNTS)
def system_accounts(request: HttpRequest) -> HttpResponse:
    search = query_text(request.GET, "q", max_length=150)
    page = _accounts_page(request, search)
    return render(request, "accounts/system_accounts.html", {"page": page, "search": search, "query": _query(request)})


@capability_required(Capability.MANAGE_ACCOUNTS)
def system_account_create(request: HttpRequest) -> HttpResponse:
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_create(
                by=request.user,
                username=data["username"],
                display_name=data["display_name"],
                area=data["area"],
                department=data["department"].strip(),
                password=data["password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error("username", error)
        else:
            messages.success(
                request,
                _("Account %(username)s created. The security administrator gives it a role.")
                % {"username": account.username},
            )
            return redirect("accounts:system_account", pk=account.pk)
    return render(request, "accounts/system_account_create.html", {"form": form})


def _done(request: HttpRequest, filed: AccountChangeRequest | None, done_message: str) -> None:
    """Say what happened: done, or filed for a second administrator's approval."""
    if filed is None:
        messages.success(request, done_message)
    else:
        messages.info(
            request,
            _(
                "Filed for approval: a change to an administrator account, or one that makes an account an "
                "administrator, is carried out when an administrator of another role approves it."
            ),
        )


@capability_required(Capability.MANAGE_ACCOUNTS)
def system_account(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User.objects.select_related("area"), pk=pk)
    initial = {
        "display_name": account.first_name,
        "area": account.area.code if account.area else "",
        "department": account.department,
    }
    form = AccountChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        filed = services.account_change(
            by=request.user,
            user=account,
            display_name=form.cleaned_data["display_name"],
            area=form.cleaned_data["area"],
            department=form.cleaned_data["department"].strip(),
            request=request,
        )
        _done(request, filed, _("Saved."))
        return redirect("accounts:system_account", pk=account.pk)
    context = {
        "account": account,
        "form": form,
        "password_form": PasswordResetByAdministratorForm(account=account),
        "is_self": account.pk == request.user.pk,
        "is_administrator": is_administrator(account),
    }
    return render(request, "accounts/system_account.html", context)


@require_POST
@capability_required(Capability.MANAGE_ACCOUNTS)
def system_account_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    filed = services.account_active_set(by=request.user, user=account, active=active, request=request)
    _done(request, filed, _("Account activated.") if active else _("Account deactivated."))
    return redirect("accounts:system_account", pk=account.pk)


@capability_required(Capability.MANAGE_ACCOUNTS)
def system_account_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    if request.method == "POST":  # refused before the password is even looked at
        services.account_password_reset_check(by=request.user, user=account, request=request)
    form = PasswordResetByAdministratorForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        services.account_password_reset(
            by=request.user, user=account, password=form.cleaned_data["password1"], request=request
        )
        messages.success(request, _("New initial password set; the user must change it at the next login."))
        return redirect("accounts:system_account", pk=account.pk)
    refused = is_administrator(account) or account.pk == request.user.pk
    context = {"account": account, "password_form": form, "section": "system", "refused": refused}
    return render(request, "accounts/system_account_password.html", context)


# --- security administrator ----------------------------------------------------------------------------------


# How far back the security administrator's list of refused full-ID-number searches looks, in days.
REFUSAL_PERIODS = (1, 7, 30)


@capability_required(Capability.MANAGE_SECURITY)
def security_accounts(request: HttpRequest) -> HttpResponse:
    search = query_text(request.GET, "q", max_length=150)
    page = _accounts_page(request, search)
    days = query_int(request.GET, "refused_days")
    refused_days = days if days in REFUSAL_PERIODS else 7
    context = {
        "page": page,
        "search": search,
        "query": _query(request),
        "lockouts": selectors.lockouts_current(),
        "refused_days": refused_days,
        "refusal_periods": REFUSAL_PERIODS,
        "id_search_refusals": selectors.id_number_search_refusals(
            since=timezone.now() - dt.timedelta(days=refused_days)
        ),
    }
    return render(request, "accounts/security_accounts.html", context)


@capability_required(Capability.MANAGE_SECURITY)
def security_account(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User.objects.select_related("area"), pk=pk)
    initial = {
        "role": account.role if account.role != Role.NONE else "",
        "may_see_id_numbers": account.may_see_id_numbers,
    }
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.account_role_set(
                by=request.user,
                user=account,
                role=Role(form.cleaned_data["role"]),
                may_see_id_numbers=form.cleaned_data["may_see_id_numbers"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _done(request, filed, _("Saved."))
            return redirect("accounts:security_account", pk=account.pk)
    context = {
        "account": account,
        "form": form,
        "is_self": account.pk == request.user.pk,
        "is_administrator": is_administrator(account),
        "password_form": PasswordResetByAdministratorForm(account=account),
        "tokens": selectors.api_tokens_of(user=account),
        "token_form": ApiTokenIssueForm(),
    }
    return render(request, "accounts/security_account.html", context)


@capability_required(Capability.MANAGE_SECURITY)
def security_account_password(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator account's new initial password, filed for a second administrator's approval."""
    account = get_object_or_404(User, pk=pk)
    if request.method == "POST":  # refused before the password is even looked at
        services.account_password_reset_request_check(by=request.user, user=account, request=request)
    form = PasswordResetByAdministratorForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        services.account_password_reset_request(
            by=request.user, user=account, password=form.cleaned_data["password1"], request=request
        )
        messages.info(
            request,
            _("The new initial password takes effect when an administrator of another role approves the request."),
        )
        return redirect("accounts:security_account", pk=account.pk)
    context = {
        "account": account,
        "password_form": form,
        "section": "security",
        "refused": not is_administrator(account) or account.pk == request.user.pk,
    }
    return render(request, "accounts/system_account_password.html", context)


@require_POST
@capability_required(Capability.MANAGE_SECURITY)
def security_token_issue(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    form = ApiTokenIssueForm(request.POST)
    if form.is_valid():
        try:
            services.api_token_issue(by=request.user, user=account, request=request, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Token issued. %(username)s collects it on their API tokens page, where it is shown once.")
                % {"username": account.username},
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("accounts:security_account", pk=account.pk)


@require_POST
@capability_required(Capability.MANAGE_SECURITY)
def security_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
    services.api_token_revoke(by=request.user, token=token, request=request)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:security_account", pk=token.user_id)


@require_POST
@capability_required(Capability.MANAGE_SECURITY)
def security_unlock(request: HttpRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"]
        result = services.account_unlock(by=request.user, username=username, request=request)
        if isinstance(result, AccountChangeRequest):
            _done(request, result, "")  # filed: an administrator account
        else:
            messages.success(request, _("%(username)s can log in again.") % {"username": username})
    return redirect("accounts:security_accounts")


# --- every administrator: approvals --------------------------------------------------------------------------


@capability_required(Capability.APPROVE_ACCOUNT_CHANGES)
def approvals(request: HttpRequest) -> HttpResponse:
    """Changes to administrator accounts waiting for a second administrator, and the latest decided ones."""
    pending = list(selectors.account_change_requests_open())
    for change_request in pending:
        change_request.decisions = [  # type: ignore[attr-defined]
            decision
            for decision in ("approve", "refuse", "withdraw")
            if not selectors.account_change_refusal(user=request.user, change_request=change_request, decision=decision)
        ]
    context = {
        "pending": pending,
        "recent": selectors.account_change_requests_recent(),
        "section": ADMINISTRATOR_SECTION.get(request.user.role, ""),  # type: ignore[union-attr]
    }
    return render(request, "accounts/approvals.html", context)


@require_POST
@capability_required(Capability.APPROVE_ACCOUNT_CHANGES)
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change_request = get_object_or_404(AccountChangeRequest.objects.select_related("requested_by", "target"), pk=pk)
    decision = request.POST.get("decision", "")
    try:
        services.account_change_decide(
            by=request.user, change_request=change_request, decision=decision, request=request
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, DECIDED_MESSAGES[decision]())
    return redirect("accounts:approvals")


DECIDED_MESSAGES = {
    "approve": lambda: _("Approved and carried out."),
    "refuse": lambda: _("Refused; nothing was changed."),
    "withdraw": lambda: _("Withdrawn."),
}


# --- every user: their own API tokens -------------------------------------------------------------------------


@login_required
def my_tokens(request: HttpRequest) -> HttpResponse:
    tokens = selectors.api_tokens_of(user=request.user)
    return render(request, "accounts/my_tokens.html", {"tokens": tokens})


@never_cache  # the page shows the secret: no copy of it in any cache
@require_POST
@login_required
def my_token_collect(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    try:
        secret = services.api_token_collect(user=request.user, token=token, request=request)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:my_tokens")
    return render(request, "accounts/my_token_collected.html", {"token": token, "secret": secret})


@require_POST
@login_required
def my_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id, user=request.user)
    services.api_token_revoke(by=request.user, token=token, request=request)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:my_tokens")


# --- audit administrator -------------------------------------------------------------------------------------


def _filtered(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        return {}
    return {key: value for key, value in form.cleaned_data.items() if value}


@capability_required(Capability.READ_AUDIT)
def audit_events(request: HttpRequest) -> HttpResponse:
    form = audit_filter_form(request.GET)
    events = selectors.audit_events(**_filtered(form))
    page = _log_page(request, events)
    return render(request, "accounts/audit_events.html", {"form": form, "page": page, "query": _query(request)})


@capability_required(Capability.READ_AUDIT)
def audit_access(request: HttpRequest) -> HttpResponse:
    form = access_filter_form(request.GET)
    entries = selectors.access_log_entries(**_filtered(form))
    page = _log_page(request, entries)
    return render(request, "accounts/audit_access.html", {"form": form, "page": page, "query": _query(request)})


def _query(request: HttpRequest) -> str:
    """The filter part of the query string, for the pager's links."""
    return query_without_paging(request)


def _accounts_page(request: HttpRequest, search: str) -> KeysetPage:
    """A page of accounts in user-name order (the one keyset pager of every list)."""
    accounts = selectors.accounts_list(search=search)
    after, before = _paging_keys(request)
    return keyset_page(accounts, key="username", after=after, before=before, size=PAGE_SIZE)


def _log_page(request: HttpRequest, entries: Any) -> KeysetPage:
    """A page of a log, newest first: keyset paging, so a page deep in a long log costs what the first does."""
    after, before = _paging_keys(request)
    return keyset_page(entries, key="pk", after=after, before=before, size=PAGE_SIZE, descending=True)


def _paging_keys(request: HttpRequest) -> tuple[str, str]:
    return query_page_key(request.GET, "after"), query_page_key(request.GET, "before")
