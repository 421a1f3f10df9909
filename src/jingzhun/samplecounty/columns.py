"""Column headers of the files the generator writes (LEDGER.md §1 and §1b), in output order."""

from __future__ import annotations

# LEDGER.md §1, in the order of its table, with the transfer-income row spread over its six headers.
# A ledger row is the household prefix, then the member columns, then the household suffix.
HOUSEHOLD_PREFIX = ("户编号", "村代码", "行政村")
MEMBER_COLUMNS = (
    "姓名",
    "证件号码",
    "与户主关系",
    "成员状态",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "残疾等级",
    "劳动技能",
    "务工状况",
    "务工月数",
    "基本医疗保险",
    "基本养老保险",
)
TRANSFER_COLUMNS = ("计划生育金", "低保金", "特困供养金", "养老保险金", "生态补偿金", "其他转移性收入")
HOUSEHOLD_SUFFIX = (
    "户类型",
    "贫困户状态",
    "识别年度",
    "脱贫年度",
    "主要致贫原因",
    "不愁吃不愁穿",
    "住房安全等级",
    "易地搬迁",
    "饮水水质达标",
    "每人每日水量",
    "自来水入户",
    "取水往返分钟",
    "供水保证率",
    "收入年度",
    "工资性收入",
    "生产经营性收入",
    "生产经营性支出",
    "资产收益分红",
    "其他财产性收入",
    *TRANSFER_COLUMNS,
    "自付医疗费用",
    "联系电话",
)
LEDGER_HEADERS = (*HOUSEHOLD_PREFIX, *MEMBER_COLUMNS, *HOUSEHOLD_SUFFIX)
COLUMN = {header: i for i, header in enumerate(LEDGER_HEADERS)}

VILLAGE_HEADERS = (
    "村代码",
    "行政村",
    "乡镇",
    "户籍人口",
    "西部地区",
    "缺水地区",
    "贫困村",
    "通硬化路",
    "通动力电",
    "村卫生室",
    "集体经济",
)

# The dirty report: where each injected fault is and what it was. 行号 is the spreadsheet row number of the
# ledger file (the header is row 1). 类别 "error": the import must reject the household; "format": the value
# is valid after trimming / NFKC / 15→18 conversion and the import must accept it.
REPORT_HEADERS = ("行号", "户编号", "列", "类别", "问题类型", "原值", "注入值", "说明")
