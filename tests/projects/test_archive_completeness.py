"""Archive completeness per project, per town and for the county, against counts made here item by item."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.projects.archive_selectors import (
    archive_completeness,
    archive_least_complete,
    archive_overview_for_user,
    project_archive_summary,
    project_rank_of,
)
from jingzhun.projects.datafiles import archive_checklist
from jingzhun.projects.models import Project, Stage
from tests.factories import AreaFactory, ProjectFactory

from .archive_files import filed


@pytest.fixture
def county(users_by_role):
    """Projects of county A at every stage in two towns and at the county, with some items filed (required and
    optional ones, items not yet due, one item twice, and an item the checklist does not have)."""
    town_a, village_a = users_by_role.town_a, users_by_role.village_a
    town_2 = AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)
    village_2 = AreaFactory(level=Level.VILLAGE, parent=town_2)
    stages = [Stage.DECLARED, Stage.APPROVED, Stage.STARTED, Stage.COMPLETED, Stage.ACCEPTED, Stage.OPERATING]
    projects = [ProjectFactory(area=area, stage=stage) for area in (village_a, village_2) for stage in stages]
    projects.append(ProjectFactory(area=town_a, level="town", stage=Stage.STARTED))
    projects.append(ProjectFactory(area=users_by_role.county_a, level="county", stage=Stage.OPERATING))
    # Terminated after completion: owes what was due at 完工.
    projects.append(
        ProjectFactory(
            area=village_2,
            stage=Stage.TERMINATED,
            started_on=dt.date(2025, 5, 1),
            completed_on=dt.date(2025, 9, 1),
            terminated_on=dt.date(2025, 10, 1),
        )
    )
    rng = random.Random(17)
    items = archive_checklist().items
    for project in projects:
        for item in rng.sample(items, k=rng.randint(0, len(items))):
            filed(project, item.code, item.colour)
    filed(projects[0], "R01")
    filed(projects[1], "OLD-9")
    ProjectFactory(area=users_by_role.village_b, stage=Stage.OPERATING)  # another county: never counted
    return {"town_a": town_a.code, "town_2": town_2.code, "projects": projects}


def expected(projects: list[Project]) -> dict[tuple[int, str], tuple[int, int]]:
    """(project id, colour) → (due, done), counted item by item."""
    figures: dict[tuple[int, str], tuple[int, int]] = {}
    for project in projects:
        have = set(project.archive_files.values_list("item", flat=True))
        rank = project_rank_of(project)
        for colour in ("red", "green", "blue"):
            due = [i for i in archive_checklist().by_colour(colour) if i.required and i.rank <= rank]
            figures[(project.pk, colour)] = (len(due), sum(1 for i in due if i.code in have))
    return figures


def test_terminated_project_owes_what_was_due_at_its_last_stage(county):
    assert project_rank_of(county["projects"][-1]) == 3  # 完工


def test_per_project_figures_match_the_counts(county):
    want = expected(county["projects"])
    got = archive_completeness(projects=Project.objects.filter(pk__in=[p.pk for p in county["projects"]]), by="project")
    for project in county["projects"]:
        for colour in ("red", "green", "blue"):
            figure = got[project.pk].colours[colour]
            assert (figure.due, figure.done) == want[(project.pk, colour)], (project.stage, colour)


def test_town_and_county_figures_match_the_counts(county, users_by_role):
    want = expected(county["projects"])
    user = users_by_role[Role.COUNTY].owner
    overview = archive_overview_for_user(user=user)
    towns = {row.key: row for row in overview["towns"]}
    sums: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for project in county["projects"]:
        town = project.area_id if project.area.level == "town" else project.area.parent_id
        for colour in ("red", "green", "blue"):
            due, done = want[(project.pk, colour)]
            for key in ([town] if project.area.level != "county" else []) + ["all"]:
                sums[key][0] += due
                sums[key][1] += done
    assert set(towns) == {county["town_a"], county["town_2"]}
    for code in towns:
        assert [towns[code].total.due, towns[code].total.done] == sums[code]
    assert [overview["county"].total.due, overview["county"].total.done] == sums["all"]
    assert overview["projects"] == len(county["projects"])


def test_the_least_complete_come_first(county):
    projects = Project.objects.filter(pk__in=[p.pk for p in county["projects"]])
    least = archive_least_complete(projects=projects, limit=5)
    ratios = [figure.total.done / figure.total.due for _, figure in least]
    assert ratios == sorted(ratios)
    assert all(figure.total.done < figure.total.due for _, figure in least)


def test_a_town_user_sees_its_town_and_the_county_projects_above(county, users_by_role):
    overview = archive_overview_for_user(user=users_by_role[Role.TOWN].owner)
    assert [row.key for row in overview["towns"]] == [county["town_a"]]
    assert overview["projects"] == 6 + 1 + 1  # its villages' six, its own, the county's


def test_the_project_summary_names_the_missing_items(project):
    filed(project, "R01")
    summary = project_archive_summary(project=project)
    due = [i for i in archive_checklist().items if i.required and i.rank <= 1]  # 立项
    assert (summary["due"], summary["done"]) == (len(due), 1)
    assert {code for code, _, _ in summary["missing"]} == {i.code for i in due} - {"R01"}
