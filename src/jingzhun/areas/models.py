"""Administrative divisions keyed by the 12-digit statistical code, and village facts (docs/LEDGER.md §1b)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWN = "town", _("town")
    VILLAGE = "village", _("village")


# How many leading digits of the 12-digit code are significant at each level. The significant prefix is
# what scope filters use: everything inside a county has a code starting with the county's 6 digits.
PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.VILLAGE: 12,
}


class Area(models.Model):
    code = models.CharField(_("area code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    # Village facts; null means not reported yet.
    population = models.PositiveIntegerField(_("registered rural population"), null=True, blank=True)
    west = models.BooleanField(_("western region"), null=True, blank=True)
    water_scarce = models.BooleanField(_("water-scarce area"), null=True, blank=True)
    poor_village = models.BooleanField(_("registered poor village"), null=True, blank=True)
    paved_road = models.BooleanField(_("paved road"), null=True, blank=True)
    power = models.BooleanField(_("power grid"), null=True, blank=True)
    clinic = models.BooleanField(_("village clinic"), null=True, blank=True)
    collective_economy = models.BooleanField(_("collective economy"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{12}$"), name="area_code_12_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[Level(self.level)]]
