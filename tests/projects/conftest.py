from __future__ import annotations

import pytest

from tests.factories import BeneficiaryFactory, HouseholdFactory, ProjectFactory


@pytest.fixture
def project(users_by_role):
    """A village project of village A (users_by_role's tree A), approved in 2025."""
    return ProjectFactory(area=users_by_role.village_a)


@pytest.fixture
def beneficiaries(project, users_by_role):
    """Three beneficiary households of village A taking dividends."""
    return [
        BeneficiaryFactory(project=project, household=HouseholdFactory(village=users_by_role.village_a))
        for _ in range(3)
    ]
