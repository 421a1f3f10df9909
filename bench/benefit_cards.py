"""Benchmark: a village's benefit cards (明白卡) as one PDF, 300 households (issue 18).

    uv run python bench/benefit_cards.py [--households 300] [--postgres postgres://postgres@127.0.0.1:5432/jz_bench_cards]

A throwaway data directory (SQLite, or the given emptied PostgreSQL database) gets one village of the sample
county with ``--households`` covered households (1–6 members each, two payments of the year each, a helper paired
with each, a first secretary): built with the test factories for the areas and bulk inserts for the rest. Then,
in a fresh process, the village's cards are drawn exactly as ``/benefits/cards/village/<code>.pdf`` draws them
(entitlements computed live for the village, members, payments and helpers read a batch at a time, the PDF
written to a spooled file): wall seconds, pages, size, queries, and the peak resident memory of the process
against its resident memory before the cards (Django, reportlab and the font loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "bench" / "out" / "benefit_cards"
YEAR = 2025


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build(households: int) -> dict[str, Any]:
    """One village with ``households`` covered households, their members, payments and helpers."""
    _setup()
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from tests.factories import AreaFactory, _id_number, sample_area

    from jingzhun.accounts.models import Role, User
    from jingzhun.areas.models import Level
    from jingzhun.assistance.models import Helper, Pairing, WorkTeam
    from jingzhun.benefits.models import Payment, PaymentSource
    from jingzhun.registry.models import Household, Income, Member
    from jingzhun.registry.vocab import PovertyStatus, Relation, SchoolStatus

    started = time.perf_counter()
    relations = [Relation.HEAD, Relation.SPOUSE, Relation.SON, Relation.DAUGHTER, Relation.FATHER, Relation.MOTHER]
    births = [dt.date(1972, 3, 1), dt.date(1974, 6, 1), dt.date(2007, 9, 1), dt.date(2012, 1, 5), dt.date(1946, 2, 2)]
    births.append(dt.date(1948, 8, 8))
    statuses = [PovertyStatus.EXITED, PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED, PovertyStatus.PRE_EXIT]
    with transaction.atomic():
        county = sample_area(Level.COUNTY)
        town = AreaFactory(level=Level.TOWN, parent=county)
        village = AreaFactory(level=Level.VILLAGE, parent=town)
        Household.objects.bulk_create(
            Household(
                household_no=f"{village.code}{n:05d}",
                village=village,
                poverty_status=statuses[n % len(statuses)],
                year_registered=2015,
                phone=f"138{n:08d}",
                housing_grade="A",
            )
            for n in range(households)
        )
        homes = list(Household.objects.filter(village=village).order_by("household_no"))
        members = []
        for n, home in enumerate(homes):
            for i in range(1 + n % 6):
                sex = "M" if i % 2 == 0 else "F"
                members.append(
                    Member(
                        household=home,
                        id_number=_id_number(village.code[:6], births[i], sex, n * 6 + i),
                        name=f"{'王李张刘陈杨'[i]}{'建秀国华明丽'[(n + i) % 6]}{'一二三四五六七八九'[n % 9]}",
                        relation=relations[i],
                        birth_date=births[i],
                        sex=sex,
                        school_status=SchoolStatus.VOCATIONAL if i == 2 else "",
                    )
                )
        Member.objects.bulk_create(members)
        Income.objects.bulk_create(
            Income(household=home, year=YEAR, wage=Decimal(9000), business_income=0, business_expense=0, dividend=0,
                   other_property=0, family_planning=0, dibao=0, tekun=0, pension=0, eco_compensation=0,
                   other_transfer=0, medical_self_paid=0)
            for home in homes
        )  # fmt: skip
        heads = {m.household_id: m for m in Member.objects.filter(household__village=village, relation=Relation.HEAD)}
        payments = []
        for home in homes:
            head = heads[home.pk]
            for code, name, amount, month in (
                ("B07", "扶贫特惠保险", 60, 4),
                ("B02", "城乡居民医保个人缴费资助", 380, 3),
            ):
                payments.append(
                    Payment(benefit=code, benefit_name=name, household=home, member=head, member_key=head.id_number,
                            amount=Decimal(amount), paid_on=dt.date(YEAR, month, 10), year=YEAR,
                            source=PaymentSource.IMPORT)
                )  # fmt: skip
        Payment.objects.bulk_create(payments)
        helpers = Helper.objects.bulk_create(
            Helper(name=f"帮扶人{n}", unit="县农业农村局", phone=f"139{n:08d}", area=village) for n in range(30)
        )
        Pairing.objects.bulk_create(
            Pairing(helper=helpers[n % 30], household=home, started_on=dt.date(2024, 1, 1))
            for n, home in enumerate(homes)
        )
        WorkTeam.objects.create(village=village, unit="市委组织部", leader=helpers[0], started_on=dt.date(2024, 1, 1))
        User.objects.create(username="bench-county", role=Role.COUNTY, area=county)
    return {
        "village": village.code,
        "households": households,
        "members": len(members),
        "build_s": time.perf_counter() - started,
    }


def cards(village_code: str) -> dict[str, Any]:
    """The village's cards as the download draws them."""
    _setup()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from jingzhun.accounts.models import User
    from jingzhun.areas.models import Area
    from jingzhun.benefits.card_selectors import village_entitlements
    from jingzhun.core.fonts import cjk_font_register
    from jingzhun.web.benefit_cards import cards_for_village, cards_pdf_file

    cjk_font_register()
    user = User.objects.get(username="bench-county")
    village = Area.objects.get(code=village_code)
    started = time.perf_counter()
    entitled = village_entitlements(village_code=village_code, year=YEAR)
    entitlements_s = time.perf_counter() - started
    before = _rss_mb()
    reset_queries()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        pdf, pages = cards_pdf_file(cards_for_village(user=user, village=village, year=YEAR))
    seconds = time.perf_counter() - started
    size = pdf.seek(0, 2)
    pdf.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "entitlements_s": entitlements_s, "entitlements": sum(map(len, entitled.values())),
            "pages": pages, "bytes": size, "queries": len(queries), "rss_before_mb": before,
            "peak_rss_mb": peak}  # fmt: skip


def _child(kind: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--child", nargs="+")
    options = parser.parse_args()
    if options.child:
        kind, *args = options.child
        print(json.dumps(build(int(args[0])) if kind == "build" else cards(args[0])))
        return
    with tempfile.TemporaryDirectory(prefix="jz-bench-cards-") as data:
        env = {**os.environ, "JINGZHUN_DATA_DIR": data, "PYTHONPATH": str(ROOT / "src")}
        if options.postgres:
            env["DATABASE_URL"] = options.postgres
        subprocess.run([sys.executable, "-m", "jingzhun", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        built = _child("build", str(options.households), env=env)
        drawn = _child("cards", built["village"], env=env)
    figures = {**built, **drawn, "database": "postgresql" if options.postgres else "sqlite"}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"cards-{options.households}-{figures['database']}.json").write_text(json.dumps(figures, indent=2))
    print(
        f"{figures['database']}: {built['households']} households ({built['members']} members) built in "
        f"{built['build_s']:.1f} s; village PDF: {drawn['pages']} pages, {drawn['bytes'] / 1024:.0f} KB in "
        f"{drawn['seconds']:.2f} s (the village's {drawn['entitlements']} entitlements alone "
        f"{drawn['entitlements_s']:.2f} s), {drawn['queries']} queries; RSS {drawn['rss_before_mb']:.0f} MB before, "
        f"peak {drawn['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
