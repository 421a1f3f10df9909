"""Users with a role and an area scope. The roles and their controls grow with the web issue."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY = "county", _("county office")
    TOWN = "town", _("town")
    VILLAGE = "village", _("village")
    HELPER = "helper", _("helper")
    DEPARTMENT = "department", _("department clerk")
    INSPECTOR = "inspector", _("inspector")
    SYSTEM_ADMIN = "system_admin", _("system administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDIT_ADMIN = "audit_admin", _("audit administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VILLAGE)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    may_see_id_numbers = models.BooleanField(_("may see full ID numbers"), default=False)

    @property
    def scope_prefix(self) -> str | None:
        """Code prefix every people-data query of this user is filtered by; None sees nothing."""
        return self.area.prefix if self.area_id and self.area else None
