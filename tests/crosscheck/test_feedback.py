"""Clues sent back to the department whose list raised them (反馈核实): sending (role, area, department), the
department's queue, its answer (version, attachment, late mark), the export, and the comparison date of a run."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Clue, ClueAttachment, Run
from jingzhun.crosscheck.services import (
    ClueRefused,
    clue_feedback_answer,
    clue_feedback_due,
    clue_send_back,
    clues_send_back,
    crosscheck_run,
)
from jingzhun.policy.workdays import is_working_day
from tests.crosscheck.factories_clues import AS_OF, BatchFactory, listed, member_aged
from tests.exports import export_content, export_start
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _clerk(users_by_role, *, who: str = "owner", department: str = "vehicles"):
    clerk = getattr(users_by_role[Role.DEPARTMENT], who)
    clerk.department = department
    clerk.save(update_fields=["department"])
    return clerk


@pytest.fixture
def clues(users_by_role):
    """Two X06 (vehicles) clues of village A, one of village B, and an X09 (payroll) clue of village A."""
    vehicles, payroll = BatchFactory(department="vehicles"), BatchFactory(department="payroll")
    for name, village in (("李大山", users_by_role.village_a), ("王二", users_by_role.village_a)):
        listed(member_aged(40, household=HouseholdFactory(village=village), name=name), vehicles, kind="小型轿车")
    listed(
        member_aged(40, household=HouseholdFactory(village=users_by_role.village_b), name="乙县人"),
        vehicles,
        kind="小型轿车",
    )
    listed(
        member_aged(40, household=HouseholdFactory(village=users_by_role.village_a), name="赵吏"), payroll, text1="某局"
    )
    crosscheck_run(user=SYSTEM, as_of=AS_OF)
    return {
        "a": list(Clue.objects.filter(rule="X06", village_code=users_by_role.village_a.code).order_by("pk")),
        "b": Clue.objects.get(rule="X06", village_code=users_by_role.village_b.code),
        "payroll": Clue.objects.get(rule="X09"),
    }


@pytest.fixture
def clue(clues):
    return clues["a"][0]


def _sent(clue, users_by_role):
    return clue_send_back(clue_id=clue.pk, user=users_by_role[Role.COUNTY].owner, expected_version=clue.version)


# --- sending back -------------------------------------------------------------------------------------------------


def test_the_default_deadline_is_ten_working_days():
    today = timezone.localdate()
    due = clue_feedback_due(on=today)
    from jingzhun.policy.packs import pack_get

    calendar = pack_get().monitoring_rules()
    days = sum(is_working_day(today + dt.timedelta(days=n), calendar) for n in range(1, (due - today).days + 1))
    assert days == 10 and is_working_day(due, calendar)


def test_the_county_sends_a_clue_back_from_its_page(client, users_by_role, clue):
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert 'data-testid="send-back-form"' in page and "公安交管" in page
    due = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        f"/crosscheck/clues/{clue.pk}/", {"action": "send_back", "version": clue.version, "due": due.isoformat()}
    )
    assert response.status_code == 302
    clue.refresh_from_db()
    assert (clue.feedback_state, clue.feedback_due, clue.feedback_sent_on) == ("requested", due, timezone.localdate())
    event = clue.events.get(action="sent_back")
    assert event.data == {"department": "vehicles", "due": due.isoformat()} and "公安交管" in event.note
    assert clue.state == "new"  # the review's own state is unchanged


def test_a_stale_send_back_is_refused(client, users_by_role, clue):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "send_back", "version": clue.version + 1})
    assert response.status_code == 409 and "刷新" in response.content.decode()
    clue.refresh_from_db()
    assert clue.feedback_state == ""


def test_a_deadline_in_the_past_is_refused(users_by_role, clue):
    with pytest.raises(ClueRefused, match="早于今天"):
        clue_send_back(
            clue_id=clue.pk,
            user=users_by_role[Role.COUNTY].owner,
            expected_version=clue.version,
            due=timezone.localdate() - dt.timedelta(days=1),
        )


def test_a_town_sends_back_only_clues_dispatched_to_it(users_by_role, clue):
    from jingzhun.crosscheck.services import clue_dispatch

    town = users_by_role[Role.TOWN].owner
    with pytest.raises(PermissionDenied):
        clue_send_back(clue_id=clue.pk, user=town, expected_version=clue.version)
    clue = clue_dispatch(clue_id=clue.pk, user=users_by_role[Role.COUNTY].owner, expected_version=clue.version)
    assert clue_send_back(clue_id=clue.pk, user=town, expected_version=clue.version).feedback_state == "requested"


@pytest.mark.parametrize("role", [Role.VILLAGE, Role.HELPER, Role.INSPECTOR, Role.DEPARTMENT])
def test_other_roles_may_not_send_back(client, users_by_role, clue, role):
    with pytest.raises(PermissionDenied):
        clue_send_back(clue_id=clue.pk, user=users_by_role[role].owner, expected_version=clue.version)
    client.force_login(users_by_role[role].owner)
    form = {"scope": "all", "department": "vehicles"}
    assert client.post("/crosscheck/send-back/", form).status_code == 403
    assert not Clue.objects.exclude(feedback_state="").exists()


def test_another_areas_county_cannot_send_back(client, users_by_role, clue):
    client.force_login(users_by_role[Role.COUNTY].outsider)
    response = client.post(f"/crosscheck/clues/{clue.pk}/", {"action": "send_back", "version": clue.version})
    assert response.status_code == 404
    response = client.post("/crosscheck/send-back/", {"clue": [clue.pk], "department": "vehicles"})
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.feedback_state == ""


def test_an_internal_clue_has_no_department_to_send_back_to(users_by_role, clue):
    Clue.objects.filter(pk=clue.pk).update(rule="X12", department="internal")
    with pytest.raises(ClueRefused, match="内部比对"):
        _sent(clue, users_by_role)


def test_all_filtered_clues_of_a_department_are_sent_back_at_once(client, users_by_role, clues):
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = client.get("/crosscheck/", {"department": "vehicles"}).content.decode()
    assert 'data-testid="send-back-form"' in page
    assert 'data-testid="send-back-form"' not in client.get("/crosscheck/").content.decode()
    response = client.post("/crosscheck/send-back/", {"scope": "all", "department": "vehicles", "state": "open"})
    assert response.status_code == 302 and "department=vehicles" in response["Location"]
    sent = set(Clue.objects.filter(feedback_state="requested").values_list("pk", flat=True))
    assert sent == {clue.pk for clue in clues["a"]}  # not area B's, not the payroll clue
    # Sending again skips what awaits an answer: nothing is sent twice.
    again = client.post("/crosscheck/send-back/", {"scope": "all", "department": "vehicles"}, follow=True)
    assert "没有可以退回" in again.content.decode()
    assert Clue.objects.get(pk=clues["a"][0].pk).events.filter(action="sent_back").count() == 1


def test_the_ticked_clues_only_are_sent_back(client, users_by_role, clues):
    client.force_login(users_by_role[Role.COUNTY].owner)
    first, _second = clues["a"]
    form = {"scope": "selected", "department": "vehicles", "clue": [first.pk, clues["b"].pk, clues["payroll"].pk]}
    assert client.post("/crosscheck/send-back/", form).status_code == 302
    assert set(Clue.objects.filter(feedback_state="requested").values_list("pk", flat=True)) == {first.pk}


def test_the_set_based_service_reports_what_it_skipped(users_by_role, clues):
    county = users_by_role[Role.COUNTY].owner
    _sent(clues["a"][0], users_by_role)
    done = clues_send_back(user=county, department="vehicles")
    assert (done.sent, done.skipped) == (1, 1)


# --- the department's queue -----------------------------------------------------------------------------------------


@pytest.fixture
def sent(users_by_role, clues):
    clues_send_back(user=users_by_role[Role.COUNTY].owner, department="vehicles")
    clues_send_back(user=users_by_role[Role.COUNTY].owner, department="payroll")
    clues_send_back(user=users_by_role[Role.COUNTY].outsider, department="vehicles")
    return {
        key: ([Clue.objects.get(pk=c.pk) for c in value] if isinstance(value, list) else Clue.objects.get(pk=value.pk))
        for key, value in clues.items()
    }


def test_the_queue_shows_its_departments_clues_of_its_area(client, users_by_role, sent):
    client.force_login(_clerk(users_by_role, department="公安交管"))  # the department by its name works too
    body = client.get("/crosscheck/feedback/").content.decode()
    for clue in sent["a"]:
        assert f'data-clue="{clue.pk}"' in body
    assert f'data-clue="{sent["b"].pk}"' not in body and "乙县人" not in body  # another county
    assert f'data-clue="{sent["payroll"].pk}"' not in body and "赵吏" not in body  # another department
    assert sent["a"][0].household.household_no not in body  # no household file for a department clerk
    assert sent["a"][0].id_number not in body  # masked
    # The county B clerk of the same department sees county B's only.
    client.force_login(_clerk(users_by_role, who="outsider"))
    body = client.get("/crosscheck/feedback/").content.decode()
    assert f'data-clue="{sent["b"].pk}"' in body and f'data-clue="{sent["a"][0].pk}"' not in body


def test_the_queue_and_answer_pages_are_the_department_clerks(client, users_by_role, sent):
    clue = sent["a"][0]
    client.force_login(_clerk(users_by_role, department="payroll"))
    assert client.get(f"/crosscheck/feedback/{clue.pk}/").status_code == 404  # another department's
    client.force_login(_clerk(users_by_role, who="outsider"))
    assert client.get(f"/crosscheck/feedback/{clue.pk}/").status_code == 404  # another area's
    for role in (Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.INSPECTOR):
        client.force_login(users_by_role[role].owner)
        assert client.get("/crosscheck/feedback/").status_code == 403
        assert client.get(f"/crosscheck/feedback/{clue.pk}/").status_code == 403


# --- answering ------------------------------------------------------------------------------------------------------


def _answer(client, clue, **extra):
    form = {"answer": "核实：该车已于 2025 年过户", "version": clue.version, **extra}
    return client.post(f"/crosscheck/feedback/{clue.pk}/", form)


def test_the_department_answers_with_a_file_and_the_county_sees_it(client, users_by_role, sent):
    clue = sent["a"][0]
    clerk = _clerk(users_by_role)
    client.force_login(clerk)
    assert 'data-testid="feedback-form"' in client.get(f"/crosscheck/feedback/{clue.pk}/").content.decode()
    response = _answer(client, clue, attachment=SimpleUploadedFile("过户证明.pdf", PDF, "application/pdf"))
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.feedback_state == "answered" and clue.feedback_answered_by == clerk
    assert clue.feedback_answered_on == timezone.localdate() and "过户" in clue.feedback_answer
    event = clue.events.get(action="department_answered")
    assert event.by == clerk and event.data["late"] is False
    attachment = ClueAttachment.objects.get(clue=clue)
    assert attachment.event == event and attachment.original_name == "过户证明.pdf"
    # The county reviewer sees the answer and downloads the file (logged); the review decision is still its own.
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()
    assert "该车已于 2025 年过户" in page and 'data-testid="answer-form"' in page
    download = client.get(f"/crosscheck/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    assert AccessLog.objects.filter(action="export", target=f"clue-attachment:{attachment.pk}").exists()
    # Another county's users, and a village user of no such clue, do not get it.
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(f"/crosscheck/attachments/{attachment.pk}/").status_code == 404
    client.force_login(_clerk(users_by_role, who="colleague", department="payroll"))
    assert client.get(f"/crosscheck/attachments/{attachment.pk}/").status_code == 404


def test_a_stale_answer_is_refused(client, users_by_role, sent):
    clue = sent["a"][0]
    client.force_login(_clerk(users_by_role))
    assert _answer(client, clue).status_code == 302
    stale = _answer(client, clue, answer="另一份反馈")
    assert stale.status_code == 409 and "刷新" in stale.content.decode()
    clue.refresh_from_db()
    assert "过户" in clue.feedback_answer and clue.events.filter(action="department_answered").count() == 1


def test_an_attachment_of_another_type_is_refused(client, users_by_role, sent):
    clue = sent["a"][0]
    client.force_login(_clerk(users_by_role))
    fake = SimpleUploadedFile("说明.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    response = _answer(client, clue, attachment=fake)
    assert response.status_code == 400 and "不是可以上传的文件" in response.content.decode()
    clue.refresh_from_db()
    assert clue.feedback_state == "requested" and not ClueAttachment.objects.exists()
    assert not clue.events.filter(action="department_answered").exists()


def test_an_answer_needs_text(users_by_role, sent):
    clue = sent["a"][0]
    with pytest.raises(ClueRefused, match="核实情况"):
        clue_feedback_answer(clue_id=clue.pk, user=_clerk(users_by_role), answer="  ", expected_version=clue.version)


def test_another_departments_clerk_cannot_answer(users_by_role, sent):
    clue = sent["a"][0]
    with pytest.raises(PermissionDenied):
        clue_feedback_answer(
            clue_id=clue.pk, user=_clerk(users_by_role, department="payroll"), answer="x", expected_version=clue.version
        )
    with pytest.raises(PermissionDenied):
        clue_feedback_answer(
            clue_id=clue.pk, user=users_by_role[Role.COUNTY].owner, answer="x", expected_version=clue.version
        )


def test_a_late_answer_is_marked(client, users_by_role, sent):
    clue = sent["a"][0]
    overdue = timezone.localdate() - dt.timedelta(days=3)
    Clue.objects.filter(pk=clue.pk).update(feedback_due=overdue, feedback_sent_on=overdue - dt.timedelta(days=14))
    clerk = _clerk(users_by_role)
    client.force_login(clerk)
    queue = client.get("/crosscheck/feedback/").content.decode()
    assert "逾期 3 天" in queue or "3 days overdue" in queue
    clue.refresh_from_db()
    clue = clue_feedback_answer(clue_id=clue.pk, user=clerk, answer="迟到的反馈", expected_version=clue.version)
    assert clue.events.get(action="department_answered").data["late"] is True
    client.force_login(users_by_role[Role.COUNTY].owner)
    listed = client.get("/crosscheck/", {"department": "vehicles"}).content.decode()
    assert 'data-testid="late"' in listed


def test_a_closed_clue_is_not_answered(users_by_role, sent):
    clue = sent["a"][0]
    Clue.objects.filter(pk=clue.pk).update(state="cleared")
    with pytest.raises(ClueRefused, match="已办结"):
        clue_feedback_answer(clue_id=clue.pk, user=_clerk(users_by_role), answer="x", expected_version=clue.version)


# --- export ---------------------------------------------------------------------------------------------------------


def test_the_export_has_the_filtered_clues_with_their_feedback_and_is_logged(client, users_by_role, sent):
    clue = sent["a"][0]
    clue_feedback_answer(clue_id=clue.pk, user=_clerk(users_by_role), answer="已过户", expected_version=clue.version)
    county = users_by_role[Role.COUNTY].owner
    client.force_login(county)
    sheet = load_workbook(io.BytesIO(export_content(client, "/crosscheck/export/?department=vehicles"))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    body = [dict(zip(header, row, strict=False)) for row in rows[3:] if isinstance(row[0], int)]
    assert {row["户编号"] for row in body} == {c.household.household_no for c in sent["a"]}  # not B's, not payroll
    answered = next(row for row in body if row["户编号"] == clue.household.household_no)
    assert answered["部门反馈"] == "部门已反馈" and answered["部门核实情况"] == "已过户"
    assert answered["反馈期限"].date() == clue.feedback_due and answered["比对日期"].date() == AS_OF
    assert answered["证件号码"] != clue.id_number  # masked for an account without the right
    other = next(row for row in body if row["户编号"] != clue.household.household_no)
    assert other["部门反馈"] == "待部门反馈"
    entry = AccessLog.objects.get(action="export", user=county)
    assert entry.target == f"clues:{users_by_role.county_a.prefix}" and entry.detail["rows"] == 2
    assert entry.detail["filters"]["department"] == "vehicles"


def test_the_export_is_for_those_who_may_export(client, users_by_role, sent):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert export_start(client, "/crosscheck/export/").status_code == 403
    client.force_login(_clerk(users_by_role))
    assert export_start(client, "/crosscheck/export/").status_code == 403


def test_the_export_command(tmp_path, users_by_role, sent):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("export", "clues", str(tmp_path / "线索.xlsx"), stdout=out)
    assert "线索 4 条" in out.getvalue()
    assert AccessLog.objects.filter(action="export", target="clues:*").exists()


# --- the comparison date ----------------------------------------------------------------------------------------------


def test_the_comparison_date_is_chosen_on_the_page(client, users_by_role, clues):
    client.force_login(users_by_role[Role.COUNTY].owner)
    page = client.get("/crosscheck/runs/").content.decode()
    assert 'type="date" name="as_of"' in page and 'min="2013-01-01"' in page
    chosen = dt.date(2025, 12, 31)
    assert client.post("/crosscheck/runs/", {"as_of": chosen.isoformat()}).status_code == 302
    run = Run.objects.first()
    assert run.as_of == chosen
    assert "2025-12-31" in client.get("/crosscheck/runs/").content.decode()
    clue = Clue.objects.filter(last_run=run).first()
    assert "2025-12-31" in client.get(f"/crosscheck/clues/{clue.pk}/").content.decode()


@pytest.mark.parametrize("day", ["2099-01-01", "2012-12-31", "not-a-date"])
def test_a_comparison_date_in_the_future_or_before_2013_is_refused(client, users_by_role, clues, day):
    if day == "2099-01-01":
        day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client.force_login(users_by_role[Role.COUNTY].owner)
    before = Run.objects.count()
    response = client.post("/crosscheck/runs/", {"as_of": day})
    assert response.status_code == 400 and 'data-testid="run-error"' in response.content.decode()
    assert Run.objects.count() == before


def test_the_service_refuses_a_future_comparison_date(users_by_role, clues):
    with pytest.raises(ClueRefused, match="不能晚于今天"):
        crosscheck_run(user=SYSTEM, as_of=timezone.localdate() + dt.timedelta(days=1))
