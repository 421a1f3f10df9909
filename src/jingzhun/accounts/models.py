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


class AccessLog(models.Model):
    """Append-only record of exports and unmasked views of people data: who, what, when."""

    class Action(models.TextChoices):
        EXPORT = "export", _("export")
        UNMASK = "unmask", _("unmasked view")
        IMPORT = "import", _("import")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField(_("actor"), max_length=150, help_text=_("user name, or the OS user for the CLI"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target = models.CharField(_("target"), max_length=500)
    detail = models.JSONField(_("detail"), default=dict)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("access log entries are never changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("access log entries are never deleted")
