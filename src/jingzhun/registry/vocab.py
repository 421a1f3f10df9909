"""The registry's closed vocabularies: stored code, UI label (translated), and the ledger's Chinese text.

The ledger text is the exchange format of docs/LEDGER.md §1 and never changes with the UI language; the label
goes through Django i18n. Each enumeration is declared once here and both the models and the ledger
format are built from it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PovertyStatus(models.TextChoices):
    NOT_EXITED = "not_exited", _("not exited")
    EXITED = "exited", _("exited (with policy)")
    PRE_EXIT = "pre_exit", _("pre-exit")
    RELAPSED = "relapsed", _("relapsed")
    EXITED_NO_POLICY = "exited_no_policy", _("exited (no more policy)")
    NON_POOR = "non_poor", _("non-poor")


class Attribute(models.TextChoices):
    GENERAL = "general", _("general")
    DIBAO = "dibao", _("minimum living allowance")
    TEKUN = "tekun", _("extreme-poverty support")
    DIBAO_TEKUN = "dibao_tekun", _("minimum allowance and extreme-poverty support")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("illness")
    DISABILITY = "disability", _("disability")
    SCHOOLING = "schooling", _("schooling")
    DISASTER = "disaster", _("disaster")
    NO_LAND = "no_land", _("lack of land")
    NO_WATER = "no_water", _("lack of water")
    NO_SKILLS = "no_skills", _("lack of skills")
    NO_LABOR = "no_labor", _("lack of labor")
    NO_FUNDS = "no_funds", _("lack of funds")
    TRANSPORT = "transport", _("poor transport")
    MOTIVATION = "motivation", _("lack of motivation")
    OTHER = "other", _("other")


class Relation(models.TextChoices):
    HEAD = "head", _("head")
    SPOUSE = "spouse", _("spouse")
    SON = "son", _("son")
    DAUGHTER = "daughter", _("daughter")
    DAUGHTER_IN_LAW = "daughter_in_law", _("daughter-in-law")
    SON_IN_LAW = "son_in_law", _("son-in-law")
    GRANDSON = "grandson", _("grandson")
    GRANDDAUGHTER = "granddaughter", _("granddaughter")
    FATHER = "father", _("father")
    MOTHER = "mother", _("mother")
    SIBLING = "sibling", _("sibling")
    OTHER = "other", _("other")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    DECEASED = "deceased", _("deceased")
    MOVED_OUT = "moved_out", _("moved out")


class Education(models.TextChoices):
    ILLITERATE = "illiterate", _("illiterate or semi-literate")
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior secondary")
    SENIOR = "senior", _("senior secondary")
    VOCATIONAL = "vocational", _("secondary vocational")
    COLLEGE = "college", _("college or above")
    PRESCHOOL = "preschool", _("pre-school child")


class SchoolStatus(models.TextChoices):
    PRESCHOOL = "preschool", _("pre-school")
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior secondary")
    SENIOR = "senior", _("senior secondary")
    VOCATIONAL = "vocational", _("secondary vocational")
    HIGHER_VOCATIONAL = "higher_vocational", _("higher vocational")
    COLLEGE = "college", _("college or above")
    NOT_IN_SCHOOL = "not_in_school", _("not in school")
    DROPPED_OUT = "dropped_out", _("dropped out")
    HOME_SCHOOLED = "home_schooled", _("taught at home")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("healthy")
    CHRONIC = "chronic", _("chronic illness")
    SERIOUS = "serious", _("serious illness")
    DISABLED = "disabled", _("disabled")


class DisabilityGrade(models.TextChoices):
    G1 = "1", _("grade 1")
    G2 = "2", _("grade 2")
    G3 = "3", _("grade 3")
    G4 = "4", _("grade 4")


class Labor(models.TextChoices):
    SKILLED = "skilled", _("skilled labor")
    ORDINARY = "ordinary", _("ordinary labor")
    WEAK = "weak", _("weak or half labor")
    LOST = "lost", _("lost labor capacity")
    NONE = "none", _("no labor")


class WorkStatus(models.TextChoices):
    IN_COUNTY = "in_county", _("working in the county")
    IN_PROVINCE = "in_province", _("working in the province")
    OUT_OF_PROVINCE = "out_of_province", _("working outside the province")
    PUBLIC_WELFARE = "public_welfare", _("public-welfare post")
    NOT_WORKING = "not_working", _("not working")


class MedicalInsurance(models.TextChoices):
    RESIDENT = "resident", _("resident medical insurance")
    EMPLOYEE = "employee", _("employee medical insurance")
    NONE = "none", _("not insured")


class HousingGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Relocation(models.TextChoices):
    NO = "no", _("no")
    MOVED_NOT_LIVING = "moved_not_living", _("relocated, not moved in")
    LIVING = "living", _("relocated and moved in")


class EventKind(models.TextChoices):
    """突发事件 (docs/RULES.md §6 ``sudden_event``): a disaster, an accident, or the death or disability of a main
    laborer. The exchange words are those of docs/LEDGER.md §1c."""

    DISASTER = "disaster", _("natural disaster")
    ACCIDENT = "accident", _("accident")
    LABORER_DEATH = "laborer_death", _("death of a main laborer")
    LABORER_DISABILITY = "laborer_disability", _("disability of a main laborer")


# Ledger text (docs/LEDGER.md §1) → stored code. Keys are the exact Chinese words of the exchange format.
LEDGER_TEXT: dict[type[models.TextChoices], dict[str, str]] = {
    PovertyStatus: {
        "未脱贫": PovertyStatus.NOT_EXITED,
        "已脱贫(享受政策)": PovertyStatus.EXITED,
        "预脱贫": PovertyStatus.PRE_EXIT,
        "返贫": PovertyStatus.RELAPSED,
        "已脱贫(不再享受政策)": PovertyStatus.EXITED_NO_POLICY,
        "非贫困户": PovertyStatus.NON_POOR,
    },
    Attribute: {
        "一般户": Attribute.GENERAL,
        "低保户": Attribute.DIBAO,
        "特困供养户": Attribute.TEKUN,
        "低保特困户": Attribute.DIBAO_TEKUN,
    },
    Cause: {
        "因病": Cause.ILLNESS,
        "因残": Cause.DISABILITY,
        "因学": Cause.SCHOOLING,
        "因灾": Cause.DISASTER,
        "缺土地": Cause.NO_LAND,
        "缺水": Cause.NO_WATER,
        "缺技术": Cause.NO_SKILLS,
        "缺劳力": Cause.NO_LABOR,
        "缺资金": Cause.NO_FUNDS,
        "交通条件落后": Cause.TRANSPORT,
        "自身发展动力不足": Cause.MOTIVATION,
        "其他": Cause.OTHER,
    },
    Relation: {
        "户主": Relation.HEAD,
        "配偶": Relation.SPOUSE,
        "之子": Relation.SON,
        "之女": Relation.DAUGHTER,
        "之儿媳": Relation.DAUGHTER_IN_LAW,
        "之女婿": Relation.SON_IN_LAW,
        "之孙子": Relation.GRANDSON,
        "之孙女": Relation.GRANDDAUGHTER,
        "之父": Relation.FATHER,
        "之母": Relation.MOTHER,
        "兄弟姐妹": Relation.SIBLING,
        "其他": Relation.OTHER,
    },
    MemberStatus: {
        "在册": MemberStatus.ACTIVE,
        "死亡": MemberStatus.DECEASED,
        "迁出": MemberStatus.MOVED_OUT,
    },
    Education: {
        "文盲或半文盲": Education.ILLITERATE,
        "小学": Education.PRIMARY,
        "初中": Education.JUNIOR,
        "高中": Education.SENIOR,
        "中专": Education.VOCATIONAL,
        "大专及以上": Education.COLLEGE,
        "学龄前儿童": Education.PRESCHOOL,
    },
    SchoolStatus: {
        "学龄前": SchoolStatus.PRESCHOOL,
        "小学": SchoolStatus.PRIMARY,
        "初中": SchoolStatus.JUNIOR,
        "高中": SchoolStatus.SENIOR,
        "中职": SchoolStatus.VOCATIONAL,
        "高职": SchoolStatus.HIGHER_VOCATIONAL,
        "大专及以上": SchoolStatus.COLLEGE,
        "非在校生": SchoolStatus.NOT_IN_SCHOOL,
        "辍学": SchoolStatus.DROPPED_OUT,
        "送教上门": SchoolStatus.HOME_SCHOOLED,
    },
    Health: {
        "健康": Health.HEALTHY,
        "长期慢性病": Health.CHRONIC,
        "患有大病": Health.SERIOUS,
        "残疾": Health.DISABLED,
    },
    DisabilityGrade: {
        "一级": DisabilityGrade.G1,
        "二级": DisabilityGrade.G2,
        "三级": DisabilityGrade.G3,
        "四级": DisabilityGrade.G4,
    },
    Labor: {
        "技能劳动力": Labor.SKILLED,
        "普通劳动力": Labor.ORDINARY,
        "弱劳动力或半劳动力": Labor.WEAK,
        "丧失劳动力": Labor.LOST,
        "无劳动力": Labor.NONE,
    },
    WorkStatus: {
        "县内务工": WorkStatus.IN_COUNTY,
        "县外省内务工": WorkStatus.IN_PROVINCE,
        "省外务工": WorkStatus.OUT_OF_PROVINCE,
        "公益岗位": WorkStatus.PUBLIC_WELFARE,
        "未务工": WorkStatus.NOT_WORKING,
    },
    MedicalInsurance: {
        "居民医保": MedicalInsurance.RESIDENT,
        "职工医保": MedicalInsurance.EMPLOYEE,
        "未参保": MedicalInsurance.NONE,
    },
    HousingGrade: {g: HousingGrade(g) for g in "ABCD"},
    Relocation: {
        "否": Relocation.NO,
        "已搬迁未入住": Relocation.MOVED_NOT_LIVING,
        "已入住": Relocation.LIVING,
    },
    # docs/LEDGER.md §1c (sudden events)
    EventKind: {
        "自然灾害": EventKind.DISASTER,
        "意外事故": EventKind.ACCIDENT,
        "主要劳动力死亡": EventKind.LABORER_DEATH,
        "主要劳动力伤残": EventKind.LABORER_DISABILITY,
    },
}

# Stored code → ledger word, for writing the exchange formats' Chinese back out.
LEDGER_WORD: dict[type[models.TextChoices], dict[str, str]] = {
    enum: {code: text for text, code in words.items()} for enum, words in LEDGER_TEXT.items()
}
