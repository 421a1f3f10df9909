"""``jingzhun packs`` lists the rule packs; ``jingzhun packs check FILE`` validates a county's own pack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.policy.packs import PackError, RulePack, pack_check, pack_directories, packs_load


class Command(BaseCommand):
    help = "列出可用的政策规则包，或检查一个规则包文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "check"], default="list")
        parser.add_argument("file", nargs="?", type=Path, help="要检查的规则包文件（check）")

    def handle(self, *args: Any, action: str, file: Path | None, **options: Any) -> None:
        try:
            if action == "check":
                if file is None:
                    raise CommandError("请给出要检查的规则包文件：jingzhun packs check 文件.toml", returncode=2)
                self._describe(pack_check(file))
                self.stdout.write(
                    "检查通过。放入以下任一目录即可使用：" + "、".join(str(d) for d in pack_directories()[1:])
                )
                return
            for pack in packs_load().values():
                self._describe(pack)
        except PackError as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _describe(self, pack: RulePack) -> None:
        years = "、".join(str(y) for y in pack.years)
        parent = f"，继承 {pack.extends}" if pack.extends else ""
        self.stdout.write(f"{pack.name}（{pack.version}）{pack.title}：{pack.region or '—'}，适用 {years} 年{parent}")
        for year in pack.years:
            rules = pack.rules_for(year)
            derived = "（按贫困标准倍数推算）" if rules.monitoring_threshold_derived else ""
            self.stdout.write(
                f"  {year}：贫困标准 {rules.poverty_line} 元，监测范围 {rules.monitoring_threshold} 元{derived}"
                + (f"，预评估门槛 {rules.pre_assessment_threshold} 元" if rules.pre_assessment_threshold else "")
            )
        ours = [name for name, parameter in pack.parameters.items() if parameter.ours]
        if ours:
            self.stdout.write(f"  本项目对实践的理解（请核定）：{'、'.join(ours)}")
