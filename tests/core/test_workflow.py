"""The one workflow machinery: what may come next, and the refusals naming the stage and the next step."""

from __future__ import annotations

from jingzhun.core.workflow import StepRule, Workflow

FLOW = Workflow(
    (
        StepRule("review", "评议", ("applied",), "reviewed", frozenset({"village"}), refusable=True, refused_to="no"),
        StepRule("decide", "决定", ("reviewed",), "decided", frozenset({"county", "town"})),
    ),
    stage_text={"applied": "已申请", "reviewed": "已评议", "decided": "已决定"},
    role_text={"county": "县级", "town": "乡镇", "village": "村级"},
)


def test_the_next_steps_follow_the_stage():
    assert [rule.action for rule in FLOW.next_steps("reviewed")] == ["decide"]
    assert FLOW.next_steps("decided") == []


def test_a_step_out_of_order_names_the_next_step():
    decide = FLOW.rule("decide")
    assert FLOW.order_problem(decide, "applied") == "当前环节为「已申请」，不能办理「决定」；下一步应为「评议」。"


def test_a_closed_record_has_no_next_step():
    review = FLOW.rule("review")
    assert FLOW.order_problem(review, "decided").endswith("下一步应为无（已办结）。")


def test_the_wrong_role_is_told_who_takes_the_step_in_the_table_order():
    decide = FLOW.rule("decide")
    assert FLOW.role_problem(decide, "village") == "「决定」须由县级、乡镇用户办理，当前用户角色为「村级」。"
    assert FLOW.role_problem(decide, "town") == ""
