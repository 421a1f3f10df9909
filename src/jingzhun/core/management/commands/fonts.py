"""``jingzhun fonts``: which Chinese font PDFs are drawn with; ``jingzhun fonts install`` fetches one when
there is none (Debian's fonts-wqy-microhei, without root, into ``<data dir>/fonts``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.core.fonts import FontInstallFailed, cjk_font_install, cjk_font_path, missing_message


class Command(BaseCommand):
    help = "显示生成 PDF 所用的中文字体；install：没有时下载文泉驿微米黑（Debian 包 fonts-wqy-microhei，无需 root）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["show", "install"], default="show")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        found = cjk_font_path()
        if found is not None:
            self.stdout.write(f"PDF 中文字体：{found}")
            return
        if action == "show":
            raise CommandError(missing_message())
        self.stdout.write("没有找到中文字体，正在下载 fonts-wqy-microhei（文泉驿微米黑）……")
        try:
            installed = cjk_font_install()
        except FontInstallFailed as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已安装 PDF 中文字体：{installed}")
