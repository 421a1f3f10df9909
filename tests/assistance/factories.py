"""Factories for the assistance app's tests (helpers, pairings, teams, visits)."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from jingzhun.areas.models import Level
from jingzhun.assistance.models import FollowUp, Helper, HelperKind, Pairing, Visit, WorkTeam
from tests.factories import AreaFactory, HouseholdFactory

# Small valid JPEG/PNG/WebP headers: the service sniffs the first bytes, it does not decode the image.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


class HelperFactory(DjangoModelFactory):
    class Meta:
        model = Helper

    name = factory.Sequence(lambda n: f"帮扶人{n}")
    kind = HelperKind.HELPER
    unit = "县农业农村局"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    area = factory.SubFactory(AreaFactory, level=Level.VILLAGE)


class PairingFactory(DjangoModelFactory):
    class Meta:
        model = Pairing

    helper = factory.SubFactory(HelperFactory)
    household = factory.SubFactory(HouseholdFactory)
    started_on = dt.date(2024, 1, 1)


class WorkTeamFactory(DjangoModelFactory):
    class Meta:
        model = WorkTeam
        skip_postgeneration_save = True

    village = factory.SubFactory(AreaFactory, level=Level.VILLAGE)
    unit = "市委组织部"
    leader = factory.SubFactory(HelperFactory, kind=HelperKind.FIRST_SECRETARY, area=factory.SelfAttribute("..village"))
    started_on = dt.date(2024, 1, 1)

    @factory.post_generation
    def with_leader(self, create, extracted, **kwargs):
        if create and self.leader_id:
            self.members.add(self.leader)


class VisitFactory(DjangoModelFactory):
    class Meta:
        model = Visit

    household = factory.SubFactory(HouseholdFactory)
    helper = factory.SubFactory(HelperFactory)
    visited_on = dt.date(2025, 3, 1)
    findings = "家中情况稳定"


class FollowUpFactory(DjangoModelFactory):
    class Meta:
        model = FollowUp

    visit = factory.SubFactory(VisitFactory)
    household = factory.SelfAttribute("visit.household")
    text = "联系医保办理慢病卡"
