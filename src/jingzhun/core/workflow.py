"""The shape of every procedure here (DESIGN.md): a table of steps, each saying which stages it may follow, the
stage it leads to, the roles that take it, the attachment it needs and whether it may end "not passed".

An app declares its table once (:class:`Workflow`) and asks it what may come next and why a request is refused;
the refusals are in Chinese and name the stage the record is at and the step that should come next. Locking
(``version``) and the immutable step rows stay with each app's own models; this module holds no state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class StepRule:
    action: str
    label: str
    after: tuple[str, ...]
    to: str
    roles: frozenset[str]
    attachment: str = ""  # the kind of attachment a passed step must carry, "" for none
    refusable: bool = False  # may end "not passed", with a reason
    refused_to: str = ""  # the stage a step that did not pass leads to


class Workflow:
    """One procedure's table of steps, with the names of its stages and of the roles, for refusals."""

    def __init__(self, steps: Iterable[StepRule], *, stage_text: Mapping[str, str], role_text: Mapping[str, str]):
        self.steps: dict[str, StepRule] = {rule.action: rule for rule in steps}
        self.stage_text = stage_text
        self.role_text = role_text

    def rule(self, action: str) -> StepRule | None:
        return self.steps.get(action)

    def next_steps(self, stage: str) -> list[StepRule]:
        """The actions a record at ``stage`` may take next, in the table's order."""
        return [rule for rule in self.steps.values() if stage in rule.after]

    def roles_text(self, roles: Iterable[str]) -> str:
        order = list(self.role_text)
        ranked = sorted(roles, key=lambda role: order.index(role) if role in order else len(order))
        return "、".join(self.role_text.get(role, role) for role in ranked)

    def role_problem(self, rule: StepRule, role: str) -> str:
        """Why a user of ``role`` may not take ``rule`` ("" when it may)."""
        if role in rule.roles:
            return ""
        return (
            f"「{rule.label}」须由{self.roles_text(rule.roles)}用户办理，"
            f"当前用户角色为「{self.role_text.get(role, role)}」。"
        )

    def order_problem(self, rule: StepRule, stage: str) -> str:
        """Why ``rule`` cannot follow ``stage`` ("" when it can), naming what should come next."""
        if stage in rule.after:
            return ""
        expected = "、".join(f"「{r.label}」" for r in self.next_steps(stage)) or "无（已办结）"
        return f"当前环节为「{self.stage_text.get(stage, stage)}」，不能办理「{rule.label}」；下一步应为{expected}。"
