"""Word lists for plausible names of people, villages and towns, and a fast weighted choice."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice; ``pick`` is one ``random()`` call and a bisection."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cum = list(accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect(self._cum, rng.random() * self._total)]


# Share of the national population in per cent (2020 census order, rounded); the long tail is cut at 0.2 %.
SURNAMES = Weighted(
    [
        ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.4), ("杨", 3.1), ("赵", 2.3), ("黄", 2.2),
        ("周", 2.1), ("吴", 2.0), ("徐", 1.7), ("孙", 1.5), ("胡", 1.3), ("朱", 1.3), ("高", 1.2), ("林", 1.2),
        ("何", 1.2), ("郭", 1.1), ("马", 1.1), ("罗", 0.9), ("梁", 0.9), ("宋", 0.8), ("郑", 0.8), ("谢", 0.7),
        ("韩", 0.7), ("唐", 0.7), ("冯", 0.6), ("于", 0.6), ("董", 0.6), ("肖", 0.6), ("程", 0.5), ("曹", 0.5),
        ("袁", 0.5), ("邓", 0.5), ("许", 0.5), ("傅", 0.4), ("沈", 0.4), ("曾", 0.4), ("彭", 0.4), ("吕", 0.4),
        ("苏", 0.4), ("卢", 0.4), ("蒋", 0.4), ("蔡", 0.4), ("贾", 0.4), ("丁", 0.3), ("魏", 0.3), ("薛", 0.3),
        ("叶", 0.3), ("闫", 0.3), ("余", 0.3), ("潘", 0.3), ("杜", 0.3), ("戴", 0.3), ("夏", 0.3), ("钟", 0.3),
        ("汪", 0.3), ("田", 0.3), ("任", 0.3), ("姜", 0.3), ("范", 0.3), ("方", 0.3), ("石", 0.3), ("姚", 0.3),
        ("谭", 0.2), ("廖", 0.2), ("邹", 0.2), ("熊", 0.2), ("金", 0.2), ("陆", 0.2), ("郝", 0.2), ("孔", 0.2),
        ("白", 0.2), ("崔", 0.2), ("康", 0.2), ("毛", 0.2), ("邱", 0.2), ("秦", 0.2), ("江", 0.2), ("史", 0.2),
        ("顾", 0.2), ("侯", 0.2), ("邵", 0.2), ("孟", 0.2), ("龙", 0.2), ("万", 0.2), ("段", 0.2), ("雷", 0.2),
        ("钱", 0.2), ("汤", 0.2), ("尹", 0.2), ("常", 0.2), ("武", 0.2), ("乔", 0.2), ("贺", 0.2), ("文", 0.2),
    ]
)  # fmt: skip

# Given-name characters change with the generation: 建国, 秀英 for the old, 浩然, 子涵 for the young.
_MALE_OLD = "建国华军明福贵山林海春德志长忠发文生祥成宝兴庆永金荣光广友振玉树清新洪学胜中义良才存保喜财全平民"
_MALE_YOUNG = "伟强磊勇杰涛超鹏浩宇博轩晨昊子然皓俊凯鑫阳帅飞亮辉斌健旭峰睿泽铭一航瑞嘉天奕锦佳宏逸梓鸿"
_FEMALE_OLD = "秀英兰芳玉桂凤珍华荣淑云梅霞琴花香翠莲娥美丽萍敏红春菊爱巧金素"
_FEMALE_YOUNG = "静婷雪丽娜敏燕欣怡雨梦涵萱琪佳悦晶颖倩璐瑶诗可思馨妍若蕾紫一"
# Index: (female, born 1975 or later).
GIVEN_CHARACTERS = {
    (False, False): _MALE_OLD,
    (False, True): _MALE_YOUNG,
    (True, False): _FEMALE_OLD,
    (True, True): _FEMALE_YOUNG,
}


def given_name(rng: random.Random, *, female: bool, birth_year: int) -> str:
    chars = GIVEN_CHARACTERS[female, birth_year >= 1975]
    n = len(chars)
    first = chars[int(rng.random() * n)]
    if rng.random() < 0.15:
        return first
    return first + chars[int(rng.random() * n)]


VILLAGE_SUFFIXES = Weighted(
    [
        ("庄", 10), ("家庄", 5), ("家屯", 3), ("楼", 3), ("寨", 3), ("营", 2), ("集", 2), ("店", 2), ("堂", 1),
        ("洼", 1), ("官屯", 1), ("固", 1), ("桥", 1), ("口", 1), ("湾", 1), ("坊", 1), ("庙", 1), ("园", 1),
    ]
)  # fmt: skip
VILLAGE_PREFIXES = Weighted(
    [("", 14), ("东", 1), ("西", 1), ("南", 1), ("北", 1), ("前", 1), ("后", 1), ("大", 1), ("小", 1)]
)
# Villages named after a place rather than a family; their people carry the county's usual surnames.
PLACE_VILLAGES = (
    "柳林", "杨树", "桃园", "梨园", "枣林", "红庙", "白塔", "石桥", "新庄", "辛庄", "河西", "河东", "沙窝", "马场",
    "龙王庙", "三里井", "八里营", "十里铺", "古城", "高堂", "双井", "槐树", "榆林", "菜园", "清水", "韩屯", "东关",
)  # fmt: skip
TOWN_STEMS = (
    "清泉", "柳林", "辛集", "店子", "桑阿", "北馆陶", "兰沃", "斜店", "甘官屯", "梁堂", "定远寨", "贾", "范寨",
    "万善", "崔庄", "东古城", "烟庄", "郭庄", "营子", "沙河", "马桥", "古城", "张集", "大营", "王奉", "十八里铺",
    "杨屯", "油坊", "堂邑", "道口铺", "梨园", "侯营", "高庙", "西店", "龙湾", "双庙",
)  # fmt: skip

# Mobile prefixes in use in rural China around 2020.
PHONE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188",
)  # fmt: skip
