"""Import rejection reasons in the page's language.

``geo`` writes each rejected row's reason in English (the API, the CSV report and the CLI
keep it so). A page says it in its own language: every reason the imports can give has a
pattern here (Python ``re`` syntax, named groups) and a message with the same names as
placeholders. A ``detail`` group is itself a reason (said again); ``"; "`` joins several
reasons of one row (layer imports). Pages get the table (``reason_table``) and say each
reason with ``static/js/lib/reasons.js``; ``say_reason`` is the same rule in Python (tests).
"""

from __future__ import annotations

import re

from app.web.i18n import N_, texts

# key → (English pattern, message). Patterns match the whole reason.
PATTERNS: dict[str, str] = {
    # incident imports (geo.incidents.imports)
    "nul": r"contains a NUL character",
    "category_empty": r"category is empty",
    "category_unknown": r"unknown category (?P<value>.+?); active categories: (?P<choices>.*)",
    "too_long": r"'?(?P<field>\w+)'? is longer than (?P<limit>\d+) characters",
    "source": r"'source' must be one of (?P<choices>.*)",
    "priority": r"'priority' must be 1 \(urgent\), 2 or 3",
    "phone": r"'reporter_phone' must be a phone number",
    "ambiguous": r"'reported_at' is ambiguous: (?P<detail>.*)",
    "two_digit_year": r"(?P<value>'.*') has a two-digit year; write the year in full",
    "day_month": r"(?P<value>'.*') may be (?P<a>.+) or (?P<b>.+); write (?P<iso>\S+) or "
                 r"(?P<zh>\S+)",
    "reported_bad": r"'reported_at' must be a time such as .*",
    "future": r"'reported_at' is in the future",
    "lon_lat_pair": r"give both lon and lat, or neither",
    "not_number": r"'(?P<field>lon|lat)' is not a number: (?P<value>.*)",
    "lat_swapped": r"'lat' is (?P<value>\S+), outside -90\.\.90; latitude and longitude "
                   r"look swapped",
    "lat_range": r"'lat' is (?P<value>\S+), outside -90\.\.90",
    "lon_range": r"'lon' is (?P<value>\S+), outside -180\.\.180",
    "area_swapped": r"point \((?P<lon>[^,]+), (?P<lat>[^)]+)\) is outside the service area; "
                    r"latitude and longitude look swapped",
    "area": r"point \((?P<lon>[^,]+), (?P<lat>[^)]+)\) is outside the area this service "
            r"covers",
    "building_code": r"'building' must be a building code \(digits\)",
    "no_location": r"no location: give lon and lat, a building code or an address",
    "repeated": r"external_id (?P<value>.+) repeated in the file \(first at row "
                r"(?P<first>\d+)\)",
    "no_building": r"no building with code (?P<code>\S+)",
    "address_many": r"address matches several buildings; give a building code or coordinates",
    "address_none": r"address not found",
    "out_of_scope": r"located outside the communities you work in",
    "point_geometry": r"geometry must be a Point with two numbers \(or null\)",
    "strict": r"(?P<n>\d+) of (?P<total>\d+) rows rejected; nothing was imported \(strict\)",
    "layer_strict": r"(?P<n>\d+) of (?P<total>\d+) rows were rejected; nothing was imported",
    "no_category_column": r"(?P<file>.+): missing column 'category'; map it to a column, "
                          r"e\.g\. category=问题类型 \(columns are (?P<columns>.*)\)",
    "not_csv": r"(?P<file>.+): not a readable (?P<encoding>\S+) CSV file \((?P<why>.*)\)",
    "not_xlsx": r"(?P<file>.+): not a readable XLSX workbook \((?P<why>.*)\)",
    "not_geojson": r"(?P<file>.+): not a readable GeoJSON file \((?P<why>.*)\)",
    # layer imports (geo.layers)
    "missing": r"missing (?!geometry$)(?P<field>\w+)",
    "code_float": r"code (?P<code>.+) was stored as a floating-point number and has lost "
                  r"digits; store codes as text",
    "code_pattern": r"code (?P<code>.+) does not match the (?P<kind>\w+) pattern "
                    r"\((?P<digits>\d+) digits: (?P<pattern>.*)\)",
    "not_count": r"(?P<field>\w+) (?P<value>[^;]+) is not a whole number from 0 to "
                 r"(?P<max>\d+)",
    "duplicate_code": r"duplicate code \(rows (?P<rows>.*)\)",
    "vertices": r"(?P<n>\d+) vertices; at most (?P<max>\d+) are allowed per geometry.*",
    "empty_geometry": r"empty or missing geometry",
    "geometry_type": r"geometry type (?P<type>\w+) is not allowed \(Polygon or MultiPolygon "
                     r"only\)",
    "z": r"3D coordinates \(Z\); pass --force-2d to drop them",
    "non_finite": r"non-finite coordinates \(NaN or infinity\)",
    "out_of_range": r"coordinates out of range after reprojection \((?P<range>.*)\): wrong "
                    r"--crs or swapped axes\?",
    "invalid_repair": r"invalid geometry: (?P<detail>.*); pass --make-valid to repair",
    "invalid_left": r"invalid geometry: (?P<detail>.*); repair left no area",
    "invalid_repaired": r"invalid geometry: (?P<detail>.*); repaired with make_valid",
    "postgis": r"invalid in PostGIS: (?P<detail>.*)",
    "invalid_send": r"invalid geometry: (?P<detail>.*); send make_valid=true to repair",
    "self_intersection": r"Self-intersection(?P<at>\[.*\])?",
    "ring_self_intersection": r"Ring Self-intersection(?P<at>\[.*\])?",
    "too_few_points": r"Too few points in geometry component(?P<at>\[.*\])?",
    # plan files (geo.plans.parse)
    "plan_problems": r"(?P<n>\d+) problem\(s\) in (?P<total>\d+) features; nothing was "
                     r"stored\. First: feature (?P<feature>\d+): (?P<detail>.*)",
    "printable": r"'(?P<field>\w+)' must be printable text of at most (?P<limit>\d+) "
                 r"characters",
    "must_be_text": r"'(?P<field>\w+)' must be text",
    "not_feature": r"not a GeoJSON Feature",
    "no_geometry": r"missing geometry",
    "not_geometry": r"not a GeoJSON geometry: (?P<why>.*)",
    # starting a plan on /plans (geo.plans.auto, geo.plans.work, app.errors)
    "community_code": r"'(?P<field>\w+)' must be a (?P<digits>\d+)-digit community code",
    "whole_number": r"'(?P<field>\w+)' must be a whole number from (?P<min>\d+) to "
                    r"(?P<max>\d+)",
    "band": r"'band' must be \[min, max\] households, whole numbers with 1 <= min <= max <= "
            r"(?P<max>\d+)",
    "multipart_file": r"send the file as the multipart field 'file'",
    "unknown_parameters": r"unknown parameter\(s\): (?P<names>.+); allowed: (?P<allowed>.*)",
    "unknown_fields": r"unknown field\(s\) (?P<names>.+); fields are (?P<allowed>.*)",
    "param_missing": r"missing parameter '(?P<field>\w+)'",
    "field_missing": r"'(?P<field>\w+)' is missing",
    "param_null": r"parameter '(?P<field>\w+)' may not be empty",
    "field_null": r"'(?P<field>\w+)' may not be null",
    "field_unknown": r"unknown (?:parameter|field) '(?P<field>\w+)'",
    # marshmallow's own words, in a refused request's details.errors
    "required": r"Missing data for required field\.", "unknown": r"Unknown field\.",
    "null": r"Field may not be null\.",
    "not_valid": r"Not a valid (?P<type>\w+)\.",
    # people imports (geo.people: checks, files, workers, members, departments)
    "non_empty": r"'(?P<field>\w+)' must be non-empty text",
    "text_limit": r"'(?P<field>\w+)' must be text of at most (?P<limit>\d+) characters",
    "word_required": r"'(?P<field>\w+)' is required: one of (?P<choices>.*)",
    "word_choice": r"'(?P<field>\w+)' must be one of (?P<choices>.+?) \(or (?P<names>[^)]*)\), "
                   r"got (?P<value>.*)",
    "people_phone": r"'(?P<field>\w+)' must be a phone number \(digits, \+ - \( \) and "
                    r"spaces, 3–30 characters\), got (?P<value>.*)",
    "flag": r"'(?P<field>\w+)' must be true or false \((?P<words>[^)]*)\)",
    "date": r"'(?P<field>\w+)' must be a date YYYY-MM-DD, got (?P<value>.*)",
    "codes": r"'(?P<field>\w+)' must hold (?P<digits>\d+)-digit codes, got (?P<value>.*)",
    "one_code": r"'(?P<field>\w+)' takes one (?P<digits>\d+)-digit code",
    "weekdays": r"'(?P<field>\w+)' must be weekdays 1–7 \(1 = Monday\), e\.g\. 1-5 or 1,3,5",
    "shift": r"'(?P<field>\w+)' must be HH:MM-HH:MM, e\.g\. 09:00-17:30",
    "grids_required": r"'grids' is required: the 15-digit codes of the grids served",
    "grids_empty": r"'grids' cannot be empty: a worker serves at least one grid",
    "org_id": r"'(?P<field>\w+)' must be a party organisation id",
    "work_unit": r"'work_unit' is required for an in-service member \((?P<kind>[^)]*)\)",
    "home_or_grid": r"give 'home_building' or 'serving_grid' \(or both\)",
    "before": r"'(?P<field>\w+)' is before '(?P<other>\w+)'",
    "no_grid": r"no current grid (?P<codes>.+) in your communities",
    "no_account": r"no staff account (?P<account>.+) with role member",
    "no_building_here": r"no building (?P<code>\S+) in your communities",
    "no_org": r"no party organisation (?P<org>\S+) in your communities",
    "no_area": r"no community or street (?P<codes>.+) in your communities",
    # the public 双报到 form (geo.people.members.register)
    "register_community": r"no community (?P<code>\S+)",
    "register_grid": r"no current grid (?P<code>\S+) in community (?P<community>\S+)",
    "name_areas": r"name the communities or streets served \(your account is limited to some "
                  r"communities\)",
    "unknown_categories": r"unknown categories (?P<names>.+)",
    "department_exists": r"a department named (?P<name>.+) exists already",
    "roster_csv": r"(?P<file>.+): not a readable CSV file in (?P<encoding>\S+) "
                  r"\((?P<why>.*)\); Excel's CSV is often GBK: try encoding gbk",
    "no_header": r"(?P<file>.+): no header row",
    "no_name_column": r"(?P<file>.+): no column (?P<column>\S+) \(name\); columns are "
                      r"(?P<columns>.*); expected (?P<expected>.*)",
    "encoding": r"encoding must be one of (?P<choices>.*)",
}

MESSAGES: dict[str, str] = dict([
    N_("nul", "含有 NUL 字符"), N_("category_empty", "类别为空"),
    N_("category_unknown", "未知类别 {value}；可用的类别：{choices}"),
    N_("too_long", "“{field}”超过 {limit} 个字符"),
    N_("source", "“source”（来源）须为以下之一：{choices}"),
    N_("priority", "“priority”（紧急程度）须为 1（紧急）、2 或 3"),
    N_("phone", "“reporter_phone”（联系电话）须为电话号码"),
    N_("ambiguous", "“reported_at”（受理时间）有歧义：{detail}"),
    N_("two_digit_year", "{value} 的年份只有两位，请写完整年份"),
    N_("day_month", "{value} 的日和月次序不明确；若指 {zh}，请写成 {iso} 或 {zh}"),
    N_("reported_bad", "“reported_at”（受理时间）须为时间，如 2026-11-20T08:30:00+08:00、"
                       "2026/11/20 08:30 或 2026年11月20日"),
    N_("future", "“reported_at”（受理时间）在将来"),
    N_("lon_lat_pair", "经度和纬度须同时填写或同时留空"),
    N_("not_number", "“{field}”不是数字：{value}"),
    N_("lat_swapped", "纬度为 {value}，超出 -90..90；经纬度似乎填反了"),
    N_("lat_range", "纬度为 {value}，超出 -90..90"),
    N_("lon_range", "经度为 {value}，超出 -180..180"),
    N_("area_swapped", "点 ({lon}, {lat}) 不在服务范围内；经纬度似乎填反了"),
    N_("area", "点 ({lon}, {lat}) 不在本系统的服务范围内"),
    N_("building_code", "“building”须为楼栋编码（数字）"),
    N_("no_location", "没有位置：请填写经纬度、楼栋编码或地址"),
    N_("repeated", "工单号 {value} 在文件中重复（首次出现在第 {first} 行）"),
    N_("no_building", "没有编码为 {code} 的楼栋"),
    N_("address_many", "地址对应多栋楼：请填写楼栋编码或经纬度"),
    N_("address_none", "找不到该地址"), N_("out_of_scope", "位置不在您负责的社区内"),
    N_("point_geometry", "几何须为含两个数值的点（或为空）"),
    N_("strict", "{total} 行中有 {n} 行被拒，按严格模式未导入任何数据"),
    N_("layer_strict", "{total} 行中有 {n} 行被拒，未导入任何数据"),
    N_("no_category_column", "{file}：缺少“category”（类别）列，请在列对应中指定，"
                               "如 category=问题类型（文件的列：{columns}）"),
    N_("not_csv", "{file}：不是可读的 {encoding} 编码 CSV 文件（{why}）"),
    N_("not_xlsx", "{file}：不是可读的 XLSX 工作簿（{why}）"),
    N_("not_geojson", "{file}：不是可读的 GeoJSON 文件（{why}）"),
    N_("missing", "缺少 {field}"),
    N_("code_float", "编码 {code} 被存成了浮点数，已丢失位数；请把编码存为文本"),
    N_("code_pattern", "编码 {code} 不符合{kind}编码规则（{digits} 位：{pattern}）"),
    N_("not_count", "{field} 的值 {value} 不是 0 到 {max} 之间的整数"),
    N_("duplicate_code", "编码重复（第 {rows} 行）"),
    N_("vertices", "{n} 个顶点，每个几何最多 {max} 个（请简化）"),
    N_("empty_geometry", "几何为空或缺失"),
    N_("geometry_type", "不允许 {type} 类型的几何（只能是 Polygon 或 MultiPolygon）"),
    N_("z", "含三维坐标（Z）；导入时加 --force-2d 可去掉"),
    N_("non_finite", "坐标不是有限数值（NaN 或无穷大）"),
    N_("out_of_range", "转换坐标系后坐标超出范围（{range}）：坐标系选错或经纬度填反？"),
    N_("invalid_repair", "几何无效：{detail}；导入时加 --make-valid 可修复"),
    N_("invalid_left", "几何无效：{detail}；修复后没有剩下面积"),
    N_("invalid_repaired", "几何无效：{detail}；已用 make_valid 修复"),
    N_("postgis", "PostGIS 判定几何无效：{detail}"),
    N_("invalid_send", "几何无效：{detail}；勾选修复（make_valid）后可修复"),
    N_("self_intersection", "自相交{at}"), N_("ring_self_intersection", "环自相交{at}"),
    N_("too_few_points", "几何部件的点太少{at}"),
    N_("plan_problems", "{total} 个要素中有 {n} 处问题，未保存任何数据。"
                        "第一处：要素 {feature}：{detail}"),
    N_("printable", "“{field}”须为不超过 {limit} 个字符的可打印文本"),
    N_("must_be_text", "“{field}”须为文本"), N_("not_feature", "不是 GeoJSON 要素（Feature）"),
    N_("no_geometry", "缺少几何"), N_("not_geometry", "不是 GeoJSON 几何：{why}"),
    N_("community_code", "“{field}”须为 {digits} 位社区编码"),
    N_("whole_number", "“{field}”须为 {min} 到 {max} 之间的整数"),
    N_("band", "“band”（每格户数）须为 [最少, 最多]，整数，1 <= 最少 <= 最多 <= {max}"),
    N_("multipart_file", "请以 multipart 字段“file”上传文件"),
    N_("unknown_parameters", "未知参数：{names}；可用的参数：{allowed}"),
    N_("unknown_fields", "未知字段：{names}；可用的字段：{allowed}"),
    N_("param_missing", "缺少参数“{field}”"), N_("field_missing", "缺少“{field}”"),
    N_("param_null", "参数“{field}”不能为空"), N_("field_null", "“{field}”不能为空"),
    N_("field_unknown", "未知字段“{field}”"), N_("required", "必填"),
    N_("unknown", "未知字段"), N_("null", "不能为空"), N_("not_valid", "不是有效的 {type}"),
    N_("non_empty", "“{field}”不能为空"),
    N_("text_limit", "“{field}”须为不超过 {limit} 个字符的文本"),
    N_("word_required", "“{field}”必填，须为以下之一：{choices}"),
    N_("word_choice", "“{field}”须为以下之一：{choices}（或 {names}），而不是 {value}"),
    N_("people_phone", "“{field}”须为电话号码（数字、+ - ( ) 和空格，3–30 个字符），"
                       "而不是 {value}"),
    N_("flag", "“{field}”须为 true 或 false（{words}）"),
    N_("date", "“{field}”须为日期，如 2026-05-01，而不是 {value}"),
    N_("codes", "“{field}”须为 {digits} 位编码，而不是 {value}"),
    N_("one_code", "“{field}”只能填一个 {digits} 位编码"),
    N_("weekdays", "“{field}”须为星期几 1–7（1 = 星期一），如 1-5 或 1,3,5"),
    N_("shift", "“{field}”须为 时:分-时:分，如 09:00-17:30"),
    N_("grids_required", "“grids”（网格）必填：所服务网格的 15 位编码"),
    N_("grids_empty", "“grids”（网格）不能为空：网格员至少服务一个网格"),
    N_("org_id", "“{field}”须为党组织编号"),
    N_("work_unit", "{kind}须填写“work_unit”（工作单位）"),
    N_("home_or_grid", "请填写“home_building”（居住楼栋）或“serving_grid”（服务网格），"
                       "或两者都填"),
    N_("before", "“{field}”早于“{other}”"),
    N_("no_grid", "您负责的社区内没有现行网格 {codes}"),
    N_("register_community", "没有编码为 {code} 的社区"),
    N_("register_grid", "社区 {community} 内没有编码为 {code} 的现行网格"),
    N_("no_account", "没有角色为网格员（member）的员工账号 {account}"),
    N_("no_building_here", "您负责的社区内没有楼栋 {code}"),
    N_("no_org", "您负责的社区内没有党组织 {org}"),
    N_("no_area", "您负责的社区内没有社区或街道 {codes}"),
    N_("name_areas", "请填写所服务的社区或街道（您的账号只限于部分社区）"),
    N_("unknown_categories", "未知类别 {names}"),
    N_("department_exists", "已有名为 {name} 的部门"),
    N_("roster_csv", "{file}：不是可读的 {encoding} 编码 CSV 文件（{why}）；"
                     "Excel 保存的 CSV 常为 GBK 编码：请选 gbk"),
    N_("no_header", "{file}：没有表头行"),
    N_("no_name_column", "{file}：没有“{column}”列；文件的列：{columns}；应有的列：{expected}"),
    N_("encoding", "编码须为以下之一：{choices}"),
    N_("separator", "；"),
])
_COMPILED = {key: re.compile(pattern, re.S) for key, pattern in PATTERNS.items()}


# What the public 双报到 form can be refused for: a public page gets only these (the whole
# table names staff fields, which a public route never shows: tests/security/test_privacy.py).
REGISTRATION = ("field_missing", "field_null", "required", "unknown", "null", "not_valid",
                "non_empty", "text_limit", "printable", "people_phone", "unknown_fields",
                "register_community", "register_grid")


def reason_table(keys: tuple[str, ...] | None = None) -> dict:
    """``{patterns: [[JS pattern, message], ...], separator}`` in the request's language,
    for a page's script; ``keys``: only those reasons (None: all)."""
    said = texts(MESSAGES)
    return {"patterns": [[pattern.replace("(?P<", "(?<"), said[key]]
                         for key, pattern in PATTERNS.items() if keys is None or key in keys],
            "separator": said["separator"]}


def say_reason(reason: str, said: dict[str, str] | None = None) -> str:
    """A reason in the request's language (as ``reasons.js`` says it); unknown ones as
    they are."""
    said = texts(MESSAGES) if said is None else said
    for key, pattern in _COMPILED.items():
        found = pattern.fullmatch(reason)
        if found:
            values = {name: say_reason(value, said) if name == "detail" else (value or "")
                      for name, value in found.groupdict().items()}
            return said[key].format(**values)
    if "; " in reason:
        return said["separator"].join(say_reason(part, said) for part in reason.split("; "))
    return reason
