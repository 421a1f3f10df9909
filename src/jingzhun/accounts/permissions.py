"""What each role may do (角色权限), including the separation of the three administrators (三员分立).

Capabilities are coarse on purpose: a view or API route asks ``user_can(user, Capability.X)`` and then reads
through a selector that applies the user's area scope, so *what* and *where* are checked separately. Every
capability defined here guards something (a test checks it): none is granted with nothing behind it.

The three administrators never see people data and cannot do one another's job:

- the system administrator (系统管理员) creates and deactivates accounts and sets their area;
- the security administrator (安全管理员) assigns roles and the right to see full ID numbers, unlocks accounts;
- the audit administrator (审计管理员) reads the audit and access logs, nothing else.

An account the system administrator creates has ``Role.NONE`` (no capability) until the security
administrator gives it a role; no administrator can change their own role, area or activity.

Nor can one administrator take over, disable or re-role another: a change to an administrator account (or one
that makes an account an administrator) is only filed as a request, which an administrator of another role,
not the account itself, approves (``APPROVE_ACCOUNT_CHANGES``); see ``services`` and docs/账号与安全.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .models import Role


class Capability(StrEnum):
    VIEW_PEOPLE = "view_people"  # households, members, assessments in the user's scope
    EDIT_PEOPLE = "edit_people"
    IMPORT_LEDGER = "import_ledger"
    EXPORT_PEOPLE = "export_people"
    RUN_ASSESSMENT = "run_assessment"
    RECORD_AREA_EXIT = "record_area_exit"  # a poor village's or the county's exit (摘帽), decided by the county
    RECORD_VISIT = "record_visit"
    # Helpers, work teams and the helper roster (帮扶力量): edit, deactivate, import; the town and county offices.
    MANAGE_HELPERS = "manage_helpers"
    IMPORT_DEPARTMENT_LIST = "import_department_list"
    MANAGE_ACCOUNTS = "manage_accounts"  # system administrator
    MANAGE_SECURITY = "manage_security"  # security administrator
    READ_AUDIT = "read_audit"  # audit administrator
    APPROVE_ACCOUNT_CHANGES = "approve_account_changes"  # every administrator, for another's request
    # Supervision findings (督导问题): who sees them, records and assigns them, rectifies a part, verifies.
    VIEW_FINDINGS = "view_findings"
    RECORD_FINDINGS = "record_findings"
    RECTIFY_FINDINGS = "rectify_findings"
    VERIFY_FINDINGS = "verify_findings"
    # Projects and funds (项目资金): see the project library, funds, assets and dividends of one's area; keep
    # projects, beneficiaries, assets, their income and archive (county and town offices); record funds and
    # allocations (the county); record payments (county, town: 报账); approve and pay dividends (the county);
    # evaluate projects against the indicator bank (the county office and inspectors).
    VIEW_PROJECTS = "view_projects"
    MANAGE_PROJECTS = "manage_projects"
    MANAGE_FUNDS = "manage_funds"
    RECORD_PAYMENTS = "record_payments"
    APPROVE_DIVIDENDS = "approve_dividends"
    EVALUATE_PROJECTS = "evaluate_projects"
    # The benefits center (政策兑现): see benefits, payments and the gap lists of one's area (department clerks: of
    # their department); take applications at the window (county and town halls); decide and pay the applications
    # of one's department (department clerks); record and import payments (department clerks for their department's
    # benefits, the county for all); keep the registers of posts, micro-credit and 雨露计划 students (county,
    # town); compute a year's entitlements (the county).
    VIEW_BENEFITS = "view_benefits"
    TAKE_APPLICATIONS = "take_applications"
    DECIDE_APPLICATIONS = "decide_applications"
    RECORD_BENEFIT_PAYMENTS = "record_benefit_payments"
    MANAGE_BENEFIT_REGISTERS = "manage_benefit_registers"
    COMPUTE_ENTITLEMENTS = "compute_entitlements"
    # The standard tables and their workbooks (统计报表): aggregates of one's area, for the area offices and
    # inspectors (not helpers, whose scope is a few households, nor department clerks).
    VIEW_REPORTS = "view_reports"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.COUNTY: frozenset(
        {
            Capability.VIEW_PEOPLE,
            Capability.EDIT_PEOPLE,
            Capability.IMPORT_LEDGER,
            Capability.EXPORT_PEOPLE,
            Capability.RUN_ASSESSMENT,
            Capability.RECORD_AREA_EXIT,
            # The county office receives department lists too, not only through the departments' clerks.
            Capability.IMPORT_DEPARTMENT_LIST,
            Capability.VIEW_FINDINGS,
            Capability.RECORD_FINDINGS,
            Capability.MANAGE_HELPERS,
            Capability.VIEW_PROJECTS,
            Capability.MANAGE_PROJECTS,
            Capability.MANAGE_FUNDS,
            Capability.RECORD_PAYMENTS,
            Capability.APPROVE_DIVIDENDS,
            Capability.EVALUATE_PROJECTS,
            Capability.VIEW_BENEFITS,
            Capability.TAKE_APPLICATIONS,
            Capability.RECORD_BENEFIT_PAYMENTS,
            Capability.MANAGE_BENEFIT_REGISTERS,
            Capability.COMPUTE_ENTITLEMENTS,
            Capability.VIEW_REPORTS,
        }
    ),
    Role.TOWN: frozenset(
        {
            Capability.VIEW_PEOPLE,
            Capability.EDIT_PEOPLE,
            Capability.IMPORT_LEDGER,
            Capability.EXPORT_PEOPLE,
            Capability.VIEW_FINDINGS,
            Capability.RECTIFY_FINDINGS,
            Capability.MANAGE_HELPERS,
            Capability.VIEW_PROJECTS,
            Capability.MANAGE_PROJECTS,
            Capability.RECORD_PAYMENTS,
            Capability.VIEW_BENEFITS,
            Capability.TAKE_APPLICATIONS,
            Capability.MANAGE_BENEFIT_REGISTERS,
            Capability.VIEW_REPORTS,
        }
    ),
    Role.VILLAGE: frozenset(
        {
            Capability.VIEW_PEOPLE,
            Capability.EDIT_PEOPLE,
            Capability.VIEW_PROJECTS,
            Capability.VIEW_BENEFITS,
            Capability.VIEW_REPORTS,
        }
    ),
    Role.HELPER: frozenset({Capability.VIEW_PEOPLE, Capability.RECORD_VISIT}),
    Role.DEPARTMENT: frozenset(
        {
            Capability.IMPORT_DEPARTMENT_LIST,
            Capability.VIEW_FINDINGS,
            Capability.RECTIFY_FINDINGS,
            Capability.VIEW_BENEFITS,
            Capability.DECIDE_APPLICATIONS,
            Capability.RECORD_BENEFIT_PAYMENTS,
        }
    ),
    Role.INSPECTOR: frozenset(
        {
            Capability.VIEW_PEOPLE,
            Capability.VIEW_FINDINGS,
            Capability.RECORD_FINDINGS,
            Capability.VERIFY_FINDINGS,
            Capability.VIEW_PROJECTS,
            Capability.EVALUATE_PROJECTS,
            Capability.VIEW_BENEFITS,
            Capability.VIEW_REPORTS,
        }
    ),
    Role.SYSTEM_ADMIN: frozenset({Capability.MANAGE_ACCOUNTS, Capability.APPROVE_ACCOUNT_CHANGES}),
    Role.SECURITY_ADMIN: frozenset({Capability.MANAGE_SECURITY, Capability.APPROVE_ACCOUNT_CHANGES}),
    Role.AUDIT_ADMIN: frozenset({Capability.READ_AUDIT, Capability.APPROVE_ACCOUNT_CHANGES}),
    Role.NONE: frozenset(),
}

ADMINISTRATORS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def is_administrator(user: Any) -> bool:
    """Whether the account holds one of the three administrator roles (active or not)."""
    return getattr(user, "role", "") in ADMINISTRATORS


def role_grants_more(*, role: str, may_see_id_numbers: bool, new_role: str, new_may_see_id_numbers: bool) -> bool:
    """Whether going from (``role``, ID right) to (``new_role``, new ID right) adds any capability or the ID right."""
    before = ROLE_CAPABILITIES.get(role, frozenset())
    after = ROLE_CAPABILITIES.get(new_role, frozenset())
    return not after <= before or (new_may_see_id_numbers and not may_see_id_numbers)


def user_can(user: Any, capability: Capability) -> bool:
    """Whether an active, logged-in user's role grants ``capability``."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def user_sees_id_numbers(user: Any) -> bool:
    """Full ID numbers only for a user who may view people data and was granted the right explicitly; through
    an API token, only if the token was issued with that right too."""
    token = getattr(user, "api_token", None)
    if token is not None and not token.may_see_id_numbers:
        return False
    return user_can(user, Capability.VIEW_PEOPLE) and bool(getattr(user, "may_see_id_numbers", False))
