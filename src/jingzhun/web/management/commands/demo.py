"""``jingzhun demo``: a sample county generated, imported, three users to log in with, and the web app.

Thin by design: it runs ``generate``, ``import villages``, ``import ledger``, ``assess`` and ``serve`` as a user would,
and only adds the demo users. Running it again re-imports the same files, which changes nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import user_ensure
from jingzhun.areas.models import Area, Level
from jingzhun.areas.selectors import area_first
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.selectors import household_summary_for_user

# Documented in the README; the demo is for trying the software on one's own machine, never for real data.
DEMO_PASSWORD = "Jingzhun-demo-2026"  # noqa: S105
LEDGER_NAME = "sample-county.csv"

# The sample county's incomes are for 2020, the last year of the national line in the default pack.
DEMO_YEAR = 2020
# Exit codes of ``jingzhun import``: 0 all imported, 1 some households rejected (see the error report).
IMPORT_OK_CODES = {None, 0, 1}


class Command(BaseCommand):
    help = "Generate a sample county, import it, create demo users (county, town, village) and serve the web app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=20000, help="households to generate (default 20000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and users, do not serve")

    def handle(
        self, *args: Any, households: int, seed: int, host: str, port: int, no_serve: bool, **options: Any
    ) -> None:
        demo_dir = Path(settings.DATA_DIR) / "demo"
        demo_dir.mkdir(parents=True, exist_ok=True)
        ledger = demo_dir / LEDGER_NAME
        villages = ledger.with_name(f"{ledger.stem}.villages.csv")

        self.stdout.write(f"① 生成示例县：{households} 户（随机种子 {seed}）→ {ledger}")
        call_command("generate", "--households", households, "--seed", seed, "--out", str(ledger))
        if not ledger.exists() or not villages.exists():
            raise CommandError(f"生成失败：找不到 {ledger} 或 {villages}")

        self.stdout.write(f"② 导入村情表：{villages}")
        self._import("villages", villages)
        self.stdout.write(f"③ 导入贫困人口台账：{ledger}")
        self._import("ledger", ledger)
        self.stdout.write(f"④ 评估 {DEMO_YEAR} 年（国家标准）")
        call_command("assess", "--year", str(DEMO_YEAR))
        self.stdout.write(f"⑤ 按 {DEMO_YEAR} 年评估的监测预警开启防返贫监测")
        call_command("monitor", "open", "--year", str(DEMO_YEAR))

        county, town, village = self._demo_areas(villages)
        users = [
            ("county", Role.COUNTY, county, "县级演示账号", "县级"),
            ("town", Role.TOWN, town, "乡镇演示账号", "乡镇级"),
            ("village", Role.VILLAGE, village, "村级演示账号", "村级"),
            ("helper", Role.HELPER, village, "帮扶责任人演示账号", "帮扶责任人"),
        ]
        created = [
            user_ensure(
                username=username,
                role=role,
                area=area,
                display_name=display_name,
                password=DEMO_PASSWORD,
                # The demo password is documented and shared on purpose: no forced change (user_ensure).
                must_change_password=False,
            )
            for username, role, area, display_name, _ in users
        ]
        summary = household_summary_for_user(user=created[0])
        paired = _demo_helper(created[3], village)

        url_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only a display choice
        lines = [
            "",
            f"⑥ 演示数据已就绪：{county.name}，{summary['households']} 户 {summary['people']} 人。",
            "",
            f"  打开浏览器访问 http://{url_host}:{port}/ ，用下列任一账号登录：",
        ]
        lines += [f"    {name:<8} {label}（{area.name}）" for name, _, area, _, label in users]
        lines += [f"  密码均为：{DEMO_PASSWORD}"]
        lines += [f"  帮扶责任人演示账号已与 {village.name} 的 {paired} 户结对（「帮扶」→「我的帮扶户」）。", ""]
        self.stdout.write("\n".join(lines))

        if no_serve:
            self.stdout.write("启动网站：jingzhun serve")
            return
        call_command("serve", host=host, port=port)

    def _import(self, kind: str, path: Path) -> None:
        try:
            call_command("import", kind, str(path))
        except SystemExit as exit_:
            if exit_.code not in IMPORT_OK_CODES:
                raise CommandError(f"导入失败（退出码 {exit_.code}）：{path}") from None
            if exit_.code == 1:
                self.stdout.write("  部分户未能导入，详见输入文件旁的错误报告；其余已导入。")

    def _demo_areas(self, villages: Path) -> tuple[Area, Area, Area]:
        """The county of the generated villages, its first town and that town's first village."""
        county_prefix = _first_village_code(villages)[:6]
        county = area_first(level=Level.COUNTY, prefix=county_prefix)
        town = area_first(level=Level.TOWN, prefix=county_prefix)
        village = area_first(level=Level.VILLAGE, prefix=town.prefix) if town else None
        if county is None or town is None or village is None:
            raise CommandError(f"导入后找不到区划 {county_prefix} 的县、乡镇或村")
        return county, town, village


def _demo_helper(account: Any, village: Area) -> int:
    """The demo helper, paired with up to eight households of the demo village, monitored ones first, through
    the assistance services as an office would do it. Running the demo again pairs nobody twice."""
    import datetime as dt

    from django.db.models import F
    from django.utils import timezone

    from jingzhun.assistance.selectors import helper_of_user
    from jingzhun.assistance.services import helper_create, pairing_set
    from jingzhun.registry.models import Household

    helper = helper_of_user(user=account) or helper_create(
        by=SYSTEM, name="帮扶责任人演示账号", unit="县农业农村局", area=village, account_username=account.username
    )
    households = Household.objects.filter(village=village).order_by(
        F("monitoring_cases__id").desc(nulls_last=True), "household_no"
    )
    chosen = list(dict.fromkeys(households.values_list("pk", flat=True)))[:8]
    started = timezone.localdate() - dt.timedelta(days=60)
    for household in Household.objects.filter(pk__in=chosen):
        if not household.pairings.filter(helper=helper, ended_on__isnull=True).exists():
            pairing_set(by=SYSTEM, helper=helper, household=household, started_on=started)
    return len(chosen)


def _first_village_code(villages: Path) -> str:
    """村代码 of the first row of the village facts file (docs/LEDGER.md §1b) that the generator wrote."""
    with villages.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code = (row.get("村代码") or "").strip()
            if code:
                return code
    raise CommandError(f"村情表中没有村代码：{villages}")
