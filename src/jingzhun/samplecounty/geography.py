"""The sample county: towns and villages with statistical division codes and village facts."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .names import PLACE_VILLAGES, SURNAMES, TOWN_STEMS, VILLAGE_PREFIXES, VILLAGE_SUFFIXES

DEFAULT_COUNTY_CODE = "371525"  # 冠县, 聊城市, 山东省

# Codes that residents of the default county really carry: 372525 is 冠县 under the former 聊城地区 (retired
# 1998), the others are neighbouring counties (莘县, 阳谷县, 河北 馆陶县) people married or moved in from.
_OLDER_CODES = {"371525": ("372525", "371522", "371521", "130433")}

# Provinces of the western development programme (西部大开发): Inner Mongolia, Guangxi, Chongqing, Sichuan,
# Guizhou, Yunnan, Tibet, Shaanxi, Gansu, Qinghai, Ningxia, Xinjiang.
WESTERN_PROVINCES = frozenset({"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"})


@dataclass(frozen=True, slots=True)
class Village:
    code: str
    name: str
    town: str
    surname: str  # the family the village is named after ("" for a place name); it is common there
    poor: bool  # 贫困村
    water_scarce: bool  # 缺水地区
    paved_road: bool
    power: bool
    clinic: bool
    collective: bool
    weight: float  # relative number of registered households
    base_population: int  # 户籍人口 when the ledger holds few of its people
    registered_share: float  # share of the population that the ledger's active members make up


@dataclass(frozen=True, slots=True)
class County:
    code: str
    west: bool
    towns: tuple[str, ...]
    villages: tuple[Village, ...]
    older_region_codes: tuple[str, ...]


def older_region_codes(code: str) -> tuple[str, ...]:
    """Region codes of other or retired counties that some elderly residents' ID numbers carry."""
    if code in _OLDER_CODES:
        return _OLDER_CODES[code]
    # Neighbours in the same prefecture: the next two county numbers.
    base, number = code[:4], int(code[4:])
    return tuple(f"{base}{(number + k) % 100:02d}" for k in (1, 2) if (number + k) % 100 != 0)


def _village_name(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.15:
        return rng.choice(PLACE_VILLAGES) + "村", ""
    surname = SURNAMES.pick(rng)
    return VILLAGE_PREFIXES.pick(rng) + surname + VILLAGE_SUFFIXES.pick(rng) + "村", surname


def _yes(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def build_county(rng: random.Random, code: str = DEFAULT_COUNTY_CODE) -> County:
    """12–18 towns of 15–30 villages each; codes follow the statistical division scheme.

    Towns (镇) get 101, 102, …, townships (乡) 201, 202, …; villages (村委会) 201, 202, … within their town.
    """
    town_count = rng.randint(12, 18)
    township_count = round(town_count * rng.uniform(0.2, 0.4))
    stems = rng.sample(TOWN_STEMS, town_count)
    towns: list[str] = []
    villages: list[Village] = []
    for t, stem in enumerate(stems):
        is_township = t >= town_count - township_count
        suffix = "乡" if is_township else "镇"
        town_name = stem if stem.endswith(suffix) else stem + suffix
        town_code = f"{code}{(201 + t - (town_count - township_count)) if is_township else 101 + t:03d}"
        towns.append(town_name)
        # Some townships are poorer and drier than the county average.
        poor_rate = 0.45 if is_township else 0.25
        seen: set[str] = set()
        for v in range(rng.randint(15, 30)):
            name, surname = _village_name(rng)
            while name in seen:
                name, surname = _village_name(rng)
            seen.add(name)
            poor = _yes(rng, poor_rate)
            villages.append(
                Village(
                    code=f"{town_code}{201 + v:03d}",
                    name=name,
                    town=town_name,
                    surname=surname,
                    poor=poor,
                    water_scarce=_yes(rng, 0.12),
                    paved_road=_yes(rng, 0.97 if poor else 0.995),
                    power=_yes(rng, 0.995),
                    clinic=_yes(rng, 0.92 if poor else 0.97),
                    collective=_yes(rng, 0.75 if poor else 0.9),
                    weight=rng.uniform(0.5, 1.5) * (1.6 if poor else 1.0),
                    base_population=rng.randint(600, 2800),
                    registered_share=rng.uniform(0.05, 0.20),
                )
            )
    return County(
        code=code,
        west=code[:2] in WESTERN_PROVINCES,
        towns=tuple(towns),
        villages=tuple(villages),
        older_region_codes=older_region_codes(code),
    )


def households_per_village(county: County, households: int) -> list[int]:
    """Split the households over the villages by weight, largest remainder first (sums exactly)."""
    total = sum(v.weight for v in county.villages)
    quotas = [households * v.weight / total for v in county.villages]
    counts = [int(q) for q in quotas]
    short = households - sum(counts)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts
