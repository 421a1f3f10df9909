"""Shared helpers of the register tests (posts, loans, students)."""

from __future__ import annotations

import datetime as dt

TODAY = dt.date(2025, 12, 1)


def head(household):
    return household.members.get(relation="head")


def spouse(household):
    return household.members.get(relation="spouse")


def son(household):
    return household.members.get(relation="son")
