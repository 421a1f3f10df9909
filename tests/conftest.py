"""Shared fixtures. Every test gets a fresh, isolated data directory so nothing touches a real one."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

pytest_plugins = ["tests.browser", "tests.served"]


@pytest.fixture(autouse=True, scope="session")
def _session_static_root(tmp_path_factory):
    # Session-wide servers (live_server) load WhiteNoise before any per-test fixture runs; WhiteNoise warns
    # (an error here) when STATIC_ROOT, computed from the real data directory at import, does not exist.
    static_root = tmp_path_factory.mktemp("static")
    # The shared cache, as the server has it (files), in a folder of this test session's own: two xdist workers
    # count different databases under the same keys.
    caches = {"default": {**django_settings.CACHES["default"], "LOCATION": tmp_path_factory.mktemp("cache")}}
    with override_settings(STATIC_ROOT=static_root, CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache outlives each test's database transaction; a cached dashboard must not leak between tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher takes about a second per password on purpose; tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_static_root(_isolated_data_dir, settings):
    # Django's test client loads the middleware, WhiteNoise included, for each test.
    settings.STATIC_ROOT = settings.DATA_DIR / "static"
    settings.STATIC_ROOT.mkdir()


# --- users for permission tests: for each role an owner and a colleague in area A, an outsider in area B ------


class RoleUsers(NamedTuple):
    owner: Any
    colleague: Any
    outsider: Any


class UsersByRole:
    """``users_by_role[Role.TOWN].owner`` / ``.colleague`` (same area) / ``.outsider`` (area B), made on first use.

    Two disjoint trees: county A (the sample county 370125) ⊃ town A ⊃ village A, and county B ⊃ town B ⊃
    village B. Each role's users get the area of their level: county, department, inspector and the
    administrators a county; town a town; village and helper a village. Put people data in ``village_a``:
    the owner and colleague of every people-viewing role see it, the outsider never does.
    """

    def __init__(self) -> None:
        from jingzhun.areas.models import Level
        from tests.factories import AreaFactory, sample_area

        self.county_a = sample_area(Level.COUNTY)
        self.town_a = AreaFactory(level=Level.TOWN, parent=self.county_a)
        self.village_a = AreaFactory(level=Level.VILLAGE, parent=self.town_a)
        self.county_b = AreaFactory(level=Level.COUNTY)
        self.town_b = AreaFactory(level=Level.TOWN, parent=self.county_b)
        self.village_b = AreaFactory(level=Level.VILLAGE, parent=self.town_b)
        self._made: dict[str, RoleUsers] = {}

    def area_a(self, role: str) -> Any:
        return self._areas(role)[0]

    def area_b(self, role: str) -> Any:
        return self._areas(role)[1]

    def _areas(self, role: str) -> tuple[Any, Any]:
        from jingzhun.accounts.models import Role

        if role in (Role.TOWN,):
            return self.town_a, self.town_b
        if role in (Role.VILLAGE, Role.HELPER):
            return self.village_a, self.village_b
        return self.county_a, self.county_b

    def __getitem__(self, role: str) -> RoleUsers:
        from tests.factories import UserFactory

        if role not in self._made:
            area_a, area_b = self._areas(role)
            self._made[role] = RoleUsers(
                owner=UserFactory(username=f"{role}_owner", role=role, area=area_a),
                colleague=UserFactory(username=f"{role}_colleague", role=role, area=area_a),
                outsider=UserFactory(username=f"{role}_outsider", role=role, area=area_b),
            )
        return self._made[role]


@pytest.fixture
def users_by_role(db) -> UsersByRole:
    """Owner, colleague (same area) and outsider (another county) for each role; see :class:`UsersByRole`."""
    return UsersByRole()
