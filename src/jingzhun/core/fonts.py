"""The Chinese font the printed documents (PDF) are drawn with, and the way the project installs one.

A PDF is drawn with reportlab, which embeds TrueType outlines only (a ``.ttf``, or a ``.ttc`` collection whose
fonts have TrueType outlines: WenQuanYi Micro Hei, 文泉驿微米黑, Apache-2.0 or GPLv3 with the font exception). A
font is looked for, in this order:

1. the ``PDF_FONT`` setting (environment ``JINGZHUN_PDF_FONT``): a path, used as given or refused;
2. ``<data dir>/fonts/*.ttf|*.ttc`` (where ``jingzhun fonts install`` puts one);
3. the usual places of Debian, Fedora, Arch and Windows fonts;
4. ``fc-match`` for a Chinese sans-serif font.

A candidate must load and have the glyphs of Chinese text: a font with PostScript outlines (Noto CJK, Source
Han) is skipped, never drawn as empty boxes. Without any, :func:`cjk_font_register` raises :class:`FontMissing`
whose message says, in Chinese, what to do. ``jingzhun fonts install`` (:func:`cjk_font_install`) fetches
Debian's package ``fonts-wqy-microhei`` without root (``apt-get download``, ``dpkg-deb -x``) into the data dir.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

FONT_NAME = "JingzhunCJK"
DEBIAN_PACKAGE = "fonts-wqy-microhei"
# Characters every card prints: a font lacking one of them would draw boxes.
_PROBE = "政策明白卡户主帮扶责任人签字"

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian, Ubuntu: fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian, Ubuntu: fonts-wqy-zenhei
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Arch
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # Debian: fonts-arphic-uming
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)

MISSING_MESSAGE = (
    "没有可用的中文字体，无法生成 PDF（不会输出方框乱码）。请任选其一：\n"
    "1. 运行 jingzhun fonts install（Debian/Ubuntu，无需 root，需联网）；\n"
    "2. 由管理员安装字体包：sudo apt-get install fonts-wqy-microhei；\n"
    "3. 把一个 TrueType 中文字体文件（.ttf 或 .ttc，如文泉驿微米黑 wqy-microhei.ttc）放入 {fonts_dir}；\n"
    "4. 或设置环境变量 JINGZHUN_PDF_FONT 为该字体文件的路径。"
)


class FontMissing(Exception):
    """No usable Chinese TrueType font: the message says what to do."""


class FontInstallFailed(Exception):
    """``jingzhun fonts install`` could not fetch the font: the message says why and what to do instead."""


def fonts_dir() -> Path:
    """Where ``jingzhun fonts install`` puts a font: ``<data dir>/fonts``."""
    return Path(settings.DATA_DIR) / "fonts"


def _usable(path: Path) -> bool:
    """The file loads as a TrueType font (the first of a collection) with glyphs for Chinese text."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if not path.is_file():
        return False
    try:
        font = TTFont("probe", str(path), subfontIndex=0)
    except (TTFError, OSError, ValueError, KeyError, IndexError):
        return False
    widths = font.face.charWidths
    return all(ord(char) in widths for char in _PROBE)


def _fc_match() -> Iterator[Path]:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return
    for pattern in ("sans-serif:lang=zh-cn", "serif:lang=zh-cn"):
        try:
            found = subprocess.run(  # noqa: S603 - fc-match from PATH with fixed arguments
                [fc_match, "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return
        if found:
            yield Path(found)


def _candidates() -> Iterator[Path]:
    folder = fonts_dir()
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if p.suffix.lower() in (".ttf", ".ttc"))
    for known in KNOWN_PATHS:
        yield Path(known)
    yield from _fc_match()


def cjk_font_path() -> Path | None:
    """The Chinese TrueType font documents are drawn with, or None (see the module's order)."""
    configured = getattr(settings, "PDF_FONT", "")
    if configured:
        path = Path(configured).expanduser()
        return path if _usable(path) else None
    return next((path for path in _candidates() if _usable(path)), None)


def missing_message() -> str:
    """What to do when no font is found (Chinese, several lines)."""
    configured = getattr(settings, "PDF_FONT", "")
    message = MISSING_MESSAGE.format(fonts_dir=fonts_dir())
    if configured:
        message = f"JINGZHUN_PDF_FONT 指向的 {configured} 不存在或不是可用的 TrueType 中文字体。\n" + message
    return message


@functools.cache
def _registered(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def cjk_font_register() -> str:
    """Register the Chinese font with reportlab once and return its name; :class:`FontMissing` without one."""
    path = cjk_font_path()
    if path is None:
        raise FontMissing(missing_message())
    return _registered(str(path.resolve()))


def cjk_font_install(*, target: Path | None = None) -> Path:
    """Fetch Debian's ``fonts-wqy-microhei`` without root and copy its font into ``target`` (``<data dir>/fonts``);
    returns the installed file. :class:`FontInstallFailed` when this system cannot (no apt, no network)."""
    target = target or fonts_dir()
    apt_get, dpkg_deb = shutil.which("apt-get"), shutil.which("dpkg-deb")
    if not apt_get or not dpkg_deb:
        raise FontInstallFailed(
            "本机不是 Debian/Ubuntu（没有 apt-get 或 dpkg-deb），无法自动下载字体。\n" + missing_message()
        )
    with tempfile.TemporaryDirectory(prefix="jingzhun-font-") as work:
        try:
            fetched = subprocess.run(  # noqa: S603 - apt-get from PATH with fixed arguments
                [apt_get, "download", DEBIAN_PACKAGE],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise FontInstallFailed(f"下载字体包 {DEBIAN_PACKAGE} 失败：{error}\n" + missing_message()) from None
        debs = sorted(Path(work).glob("*.deb"))
        if fetched.returncode != 0 or not debs:
            reason = (fetched.stderr or fetched.stdout).strip().splitlines()
            raise FontInstallFailed(
                f"下载字体包 {DEBIAN_PACKAGE} 失败（无网络，或软件源列表为空：可先由管理员运行 sudo apt-get update）"
                f"：{reason[-1] if reason else fetched.returncode}\n" + missing_message()
            )
        unpacked = Path(work) / "unpacked"
        result = subprocess.run(  # noqa: S603 - dpkg-deb on the package apt-get just fetched
            [dpkg_deb, "-x", str(debs[0]), str(unpacked)], capture_output=True, text=True, timeout=120, check=False
        )
        fonts = sorted(p for p in unpacked.rglob("*") if p.suffix.lower() in (".ttc", ".ttf") and p.is_file())
        if result.returncode != 0 or not fonts:
            raise FontInstallFailed(f"字体包 {debs[0].name} 无法解开或其中没有字体文件。\n" + missing_message())
        target.mkdir(parents=True, exist_ok=True)
        installed = target / fonts[0].name
        partial = installed.with_suffix(installed.suffix + ".part")
        shutil.copyfile(fonts[0], partial)
        partial.replace(installed)
        licence = unpacked / "usr" / "share" / "doc" / DEBIAN_PACKAGE / "copyright"
        if licence.is_file():
            shutil.copyfile(licence, target / f"{DEBIAN_PACKAGE}.copyright")
    if not _usable(installed):
        raise FontInstallFailed(f"{installed} 不是可用的 TrueType 中文字体。\n" + missing_message())
    return installed
