"""Name keys for matching department lists to the registry: the same person's name written in traditional
characters (張偉 → 张伟, OpenCC ``t2s``) or with a homophone character (张伟 / 张玮 → ``zhang wei``, pypinyin).

Keys are computed in Python once per *distinct* name and kept in :class:`~jingzhun.crosscheck.models.NameKey`,
so the set-based matching joins on them and a later batch only keys the names it has not seen.
pypinyin on a whole name costs ~15 µs; a name's pinyin here is a dictionary lookup per character (each
character converted once per process), which keys a million names in about a second.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice

import opencc
from pypinyin import Style, lazy_pinyin

PINYIN_MAX = 400  # NameKey.pinyin's length: 60 characters of at most six letters and a separator


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def name_clean(name: str) -> str:
    """NFKC (full-width letters, compatibility forms), no spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def name_simplified(name: str) -> str:
    """The name in simplified characters (OpenCC ``t2s``, phrase-aware), cleaned."""
    return _converter().convert(name_clean(name))


_PINYIN: dict[str, str] = {}


def _char_pinyin(char: str) -> str:
    syllable = _PINYIN.get(char)
    if syllable is None:
        # The default reading of a polyphonic character: both sides of a comparison get the same one,
        # which is what a homophone key needs.
        syllable = _PINYIN[char] = lazy_pinyin(char, style=Style.NORMAL, errors="default")[0].lower()
    return syllable


def name_pinyin(simplified: str) -> str:
    """Toneless pinyin, one syllable per character, space-separated (``张玮`` → ``zhang wei``).

    Separated so that 西安 (xi an) and 先 (xian) stay apart. Takes a simplified name (see :func:`name_keys`).
    """
    get = _PINYIN.get
    return " ".join(get(char) or _char_pinyin(char) for char in simplified)[:PINYIN_MAX]


def name_keys(name: str) -> tuple[str, str]:
    """``(simplified, pinyin)`` of a name as written."""
    simplified = name_simplified(name)
    return simplified, name_pinyin(simplified)


_CONVERT_BATCH = 5000


def name_keys_many(names: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """``(name, simplified, pinyin)`` for each name.

    OpenCC converts the cleaned names of a batch in one call, one name per line (a cleaned name holds no
    whitespace, and no conversion phrase spans a line break): half the time of a call per name.
    """
    convert = _converter().convert
    names = iter(names)
    while batch := list(islice(names, _CONVERT_BATCH)):
        converted = convert("\n".join(name_clean(name) for name in batch)).split("\n")
        if len(converted) != len(batch):  # not expected; then one call per name
            converted = [convert(name_clean(name)) for name in batch]
        for name, simplified in zip(batch, converted, strict=True):
            yield name, simplified, name_pinyin(simplified)


def name_level(list_name: str, registry_name: str) -> int:
    """How well two names agree: 3 identical, 2 identical after OpenCC, 1 same pinyin, 0 different.

    The Python twin of the SQL in :mod:`jingzhun.crosscheck.matching` (used for the reasons on the review
    page and by the tests).
    """
    if list_name == registry_name:
        return 3
    left, right = name_keys(list_name), name_keys(registry_name)
    if left[0] == right[0]:
        return 2
    return 1 if left[1] == right[1] else 0
