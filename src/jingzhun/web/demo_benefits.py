"""The demo county's benefits center (政策兑现): public-welfare posts with a year of attendance and wages, micro-credit
loans (one due within 30 days, one overdue, one repaid with its interest subsidies), 雨露计划 students of the demo
town, the entitlements of the demo year computed for the whole county, and payments of most of them — about one in
ten left unpaid on purpose, so the 应享未享 lists and the household cards show real gaps, and a few payments without
an entitlement for the 不应享而享 list. Applications at the window stand at every stage.

Everything goes through the real services; the bulk payments of the county are inserted set-based from the
entitlement run (as an import would) and added to the households' incomes once. Done once: a county with benefit
payments is left as it is on a rerun.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jingzhun.areas.models import Area
from jingzhun.benefits import application_services, loan_services, post_services, student_services
from jingzhun.benefits.catalogue import COVERED_STATUSES, Catalogue
from jingzhun.benefits.entitlement_services import entitlements_compute
from jingzhun.benefits.models import (
    Application,
    Entitlement,
    EntitlementRun,
    Loan,
    Payment,
    PaymentSource,
    Post,
    Student,
)
from jingzhun.benefits.payment_services import payment_record, payments_income_add
from jingzhun.benefits.selectors import catalogue_in_force
from jingzhun.core.scope import SYSTEM
from jingzhun.core.sql import q
from jingzhun.monitoring.selectors import cases_open
from jingzhun.registry.models import Household, ImportBatch, Member
from jingzhun.registry.vocab import MemberStatus, PovertyStatus, SchoolStatus

DEMO_BENEFIT_YEAR = 2020  # the demo's assessment year: the incomes and statuses the entitlements read
# Paid through their registers, not in bulk: wages of posts, interest subsidies; and 雨露计划 in the demo town.
_REGISTER_BENEFITS = ("B19", "B20", "B22")
_POSTS = (
    ("B20", "保洁员", Decimal("600")),
    ("B20", "护路员", Decimal("500")),
    ("B20", "水管员", Decimal("500")),
    ("B19", "生态护林员", Decimal("833.33")),
)


def demo_benefits(*, county: Area, town: Area, village: Area, people: dict[str, Any], today: dt.date) -> dict[str, int]:
    """The demo's benefits, made once; how many payments, gaps, posts, loans, students and applications exist."""
    if not Payment.objects.exists():
        year = DEMO_BENEFIT_YEAR
        catalogue = catalogue_in_force()
        _posts(village, year)
        _loans(village, today)
        students = _students(town, year)
        run = entitlements_compute(user=SYSTEM, year=year)
        _bulk_payments(run, catalogue, town, year)
        for month in range(1, 12):  # December's wages are not paid yet
            post_services.posts_month_pay(
                user=SYSTEM, village=village, month=dt.date(year, month, 1), paid_on=dt.date(year, month, 28)
            )
        for student in students[: max(1, len(students) * 4 // 5)]:
            student_services.student_pay(user=SYSTEM, student=student, paid_on=dt.date(year, 9, 20))
        _unentitled(catalogue, county, year)
        _applications(village, people, year)
    latest = EntitlementRun.objects.filter(finished_at__isnull=False).order_by("-id").first()
    return {
        "payments": Payment.objects.count(),
        "entitlements": Entitlement.objects.filter(run=latest).count() if latest else 0,
        "posts": Post.objects.count(),
        "loans": Loan.objects.count(),
        "students": Student.objects.count(),
        "applications": Application.objects.count(),
    }


def _working_members(village: Area, *, exclude: set[int] | None = None) -> list[Member]:
    """Active members aged 25–55 of covered households of the village, in household order."""
    born_after, born_before = dt.date(DEMO_BENEFIT_YEAR - 55, 1, 1), dt.date(DEMO_BENEFIT_YEAR - 25, 12, 31)
    members = Member.objects.filter(
        household__village=village,
        household__poverty_status__in=COVERED_STATUSES,
        status=MemberStatus.ACTIVE,
        birth_date__range=(born_after, born_before),
    ).order_by("household__household_no", "id")
    return [m for m in members if not exclude or m.household_id not in exclude]


def _posts(village: Area, year: int) -> list[Post]:
    """Four posts of the demo village held the whole year, with the attendance of every month."""
    posts: list[Post] = []
    taken: set[int] = set()
    for (benefit, title, pay), holder in zip(_POSTS, _working_members(village), strict=False):
        if holder.household_id in taken:
            continue
        taken.add(holder.household_id)
        post = post_services.post_create(
            user=SYSTEM,
            benefit=benefit,
            title=title,
            village=village,
            holder_id_number=holder.id_number,
            monthly_pay=pay,
            started_on=dt.date(year, 1, 1),
        )
        for month in range(1, 13):
            post_services.attendance_record(
                user=SYSTEM,
                post=post,
                month=dt.date(year, month, 1),
                days_required=22,
                days_worked=22 - (month + post.pk) % 3,
            )
        posts.append(post)
    return posts


def _loans(village: Area, today: dt.date) -> None:
    """Micro-credit of the demo village: one loan of the demo year repaid with its interest subsidies, one due
    within 30 days, one overdue, two current."""
    borrowers = _working_members(village)[6:16:2]
    if len(borrowers) < 5:
        return
    bank = "县农村商业银行"

    def loan(member: Member, contract: str, issued: dt.date, amount: str, purpose: str) -> Loan:
        return loan_services.loan_create(
            user=SYSTEM,
            borrower_id_number=member.id_number,
            bank=bank,
            contract_no=contract,
            amount=Decimal(amount),
            term_months=36,
            annual_rate=Decimal("4.350"),
            subsidy_rate=Decimal("4.350"),
            issued_on=issued,
            purpose=purpose,
        )

    repaid = loan(borrowers[0], "XD2019-0412", dt.date(2019, 4, 12), "50000", "肉牛养殖")
    for paid_on, principal, interest in (
        (dt.date(2020, 6, 20), "0", "1087.50"),
        (dt.date(2020, 12, 20), "0", "1087.50"),
        (dt.date(2022, 4, 12), "50000", "543.75"),
    ):
        repaid.refresh_from_db()
        loan_services.repayment_record(
            user=SYSTEM,
            loan=repaid,
            version=repaid.version,
            paid_on=paid_on,
            principal=Decimal(principal),
            interest=Decimal(interest),
            interest_subsidy=Decimal(interest),
        )
    three_years = dt.timedelta(days=365 * 3)
    loan(borrowers[1], f"XD{today.year - 3}-0101", today - three_years + dt.timedelta(days=20), "30000", "果园")
    loan(borrowers[2], f"XD{today.year - 3}-0102", today - three_years - dt.timedelta(days=40), "20000", "养鸡")
    loan(borrowers[3], f"XD{today.year - 1}-0203", today - dt.timedelta(days=300), "50000", "大棚蔬菜")
    loan(borrowers[4], f"XD{today.year}-0304", today - dt.timedelta(days=60), "40000", "农家乐")


def _students(town: Area, year: int) -> list[Student]:
    """The demo town's members in secondary or higher vocational school, registered as 雨露计划 students."""
    members = Member.objects.filter(
        household__village__code__startswith=town.prefix,
        household__poverty_status__in=COVERED_STATUSES,
        status=MemberStatus.ACTIVE,
        school_status__in=(SchoolStatus.VOCATIONAL, SchoolStatus.HIGHER_VOCATIONAL),
    ).order_by("household__household_no", "id")[:40]
    schools = ("县职业教育中心", "市技师学院", "省城市建设职业学院")
    students = []
    for n, member in enumerate(members):
        vocational = member.school_status == SchoolStatus.VOCATIONAL
        students.append(
            student_services.student_create(
                user=SYSTEM,
                member_id_number=member.id_number,
                school=schools[0 if vocational else 1 + n % 2],
                major=("数控技术", "护理", "电子商务")[n % 3],
                level="vocational" if vocational else "higher_vocational",
                year=year,
                grade=1 + n % 3,
            )
        )
    return students


@transaction.atomic
def _bulk_payments(run: EntitlementRun, catalogue: Catalogue, town: Area, year: int) -> int:
    """Pay the entitlements of the run as departments do, in bulk, one payday per benefit — all but about one in
    ten (the gaps); the register benefits are paid through their registers, 雨露计划 of the demo town too."""
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PAYMENTS, file_name="演示：各部门发放清单")
    benefits = [b for b in catalogue.benefits.values() if b.code not in _REGISTER_BENEFITS]

    def case(values: dict[str, Any]) -> tuple[str, list[Any]]:
        sql = "CASE e.benefit " + " ".join("WHEN %s THEN %s" for _ in values) + " END"
        return sql, [x for pair in values.items() for x in pair]

    names, name_params = case({b.code: b.name for b in benefits})
    departments, department_params = case({b.code: catalogue.department_name(b.department) for b in benefits})
    items, item_params = case({b.code: b.income_item for b in benefits})
    # dates, not strings: PostgreSQL types the CASE from its values (a text CASE does not go into a date column)
    paydays, payday_params = case({b.code: dt.date(year, 3 + i % 9, 15) for i, b in enumerate(benefits)})
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    household, member, payment = (q(m._meta.db_table) for m in (Household, Member, Payment))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {payment} (benefit, benefit_name, household_id, member_id, member_key, amount, paid_on, "
            f"year, department, income_item, source, batch_id, recorded_at) "
            f"SELECT e.benefit, {names}, e.household_id, e.member_id, COALESCE(m.id_number, ''), e.amount, "
            f"{paydays}, %s, {departments}, {items}, %s, %s, %s "
            f"FROM {q(Entitlement._meta.db_table)} e JOIN {household} h ON h.id = e.household_id "
            f"LEFT JOIN {member} m ON m.id = e.member_id "
            f"WHERE e.run_id = %s AND e.benefit IN ({', '.join('%s' for _ in benefits)}) "
            f"AND (e.household_id * 7 + COALESCE(e.member_id, 0) * 3 + LENGTH(e.benefit)) %% 10 <> 0 "
            f"AND NOT (e.benefit = 'B01' AND h.village_id LIKE %s)",
            [
                *name_params,
                *payday_params,
                year,
                *department_params,
                *item_params,
                PaymentSource.IMPORT,
                batch.pk,
                now,
                run.pk,
                *(b.code for b in benefits),
                f"{town.prefix}%",
            ],
        )
        inserted = cursor.rowcount
    batch.rows = inserted
    batch.save(update_fields=["rows"])
    payments_income_add(payments=Payment.objects.filter(batch=batch), user=SYSTEM)
    return inserted


def _unentitled(catalogue: Catalogue, county: Area, year: int) -> None:
    """A few payments without an entitlement, for the 不应享而享 list: 扶贫特惠保险 paid to members of households
    that do not enjoy the policies."""
    members = Member.objects.filter(
        household__village__code__startswith=county.prefix,
        household__poverty_status=PovertyStatus.NON_POOR,
        status=MemberStatus.ACTIVE,
    ).exclude(household__in=cases_open().values("household"))  # an open case makes a household covered
    members = members.order_by("id")[:3]
    for member in members:
        payment_record(
            user=SYSTEM,
            benefit_code="B07",
            household=member.household,
            member=member,
            amount=Decimal("60.00"),
            paid_on=dt.date(year, 4, 15),
            department=catalogue.department_name("insurance"),
        )


def _applications(village: Area, people: dict[str, Any], year: int) -> None:
    """Applications at the window for gaps of the demo village, at every stage: the medical-insurance clerk of the
    demo decides its own, the others wait in their departments' queues."""
    window, clerk = people.get("town", SYSTEM), people.get("department", SYSTEM)
    run = EntitlementRun.objects.filter(finished_at__isnull=False).order_by("-id").first()
    paid = Payment.objects.filter(year=year).values("benefit", "household_id", "member_key")
    taken = {(p["benefit"], p["household_id"], p["member_key"]) for p in paid}
    gaps = [
        e
        for e in Entitlement.objects.filter(run=run, household__village=village)
        .select_related("member", "household")
        .order_by("household__household_no", "benefit")
        if (e.benefit, e.household_id, e.member.id_number if e.member else "") not in taken
        and e.benefit not in _REGISTER_BENEFITS
    ]
    medical = [e for e in gaps if e.benefit == "B02"][:4]
    others = [e for e in gaps if e.benefit not in ("B02", "B01")][:2]
    day = dt.date(year, 11, 2)
    made = []
    for entitlement in [*medical, *others]:
        made.append(
            application_services.application_submit(
                user=window,
                household=entitlement.household,
                benefit_code=entitlement.benefit,
                member=entitlement.member,
                year=year,
                amount=entitlement.amount,
                documents=["身份证"] if entitlement.benefit == "B02" else [],
                submitted_on=day,
            )
        )
    if len(medical) < 4:
        return
    approved, refused, paid_one, withdrawn = made[:4]
    application_services.application_decide(
        user=clerk,
        application_id=approved.pk,
        expected_version=approved.version,
        approve=True,
        decided_on=dt.date(year, 11, 9),
    )
    application_services.application_decide(
        user=clerk,
        application_id=refused.pk,
        expected_version=refused.version,
        approve=False,
        decided_on=dt.date(year, 11, 9),
        reason="已在外县参加城乡居民医保，由参保地资助",
    )
    paid_one = application_services.application_decide(
        user=clerk,
        application_id=paid_one.pk,
        expected_version=paid_one.version,
        approve=True,
        decided_on=dt.date(year, 11, 10),
    )
    application_services.application_pay(
        user=clerk,
        application_id=paid_one.pk,
        expected_version=paid_one.version,
        paid_on=dt.date(year, 11, 20),
        amount=paid_one.amount,
    )
    application_services.application_withdraw(
        user=window,
        application_id=withdrawn.pk,
        expected_version=withdrawn.version,
        withdrawn_on=dt.date(year, 11, 5),
        note="申请人已在外地务工单位参加职工医保",
    )
