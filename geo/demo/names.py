"""Chinese names, phone numbers and texts for the demo city (``geo.demo.city``).

Every function takes a numpy ``Generator`` and returns numpy arrays of ``str``, so a city
of a million rows is named in vectorised steps, deterministically by seed. Street names
and district codes are real (Beijing); street numbers within a district, community and
road names and every person are invented.
"""

from __future__ import annotations

import numpy as np

# Real district codes and names, with real street (街道) names of each district.
DISTRICTS = {
    "110101": ("东城区", "东华门 景山 交道口 安定门 北新桥 东四 朝阳门 建国门 东直门 和平里 "
               "前门 崇文门外 东花市 龙潭 体育馆路 天坛 永定门外"),
    "110102": ("西城区", "西长安街 新街口 月坛 展览路 德胜 金融街 什刹海 大栅栏 天桥 椿树 "
               "陶然亭 广安门内 牛街 白纸坊 广安门外"),
    "110105": ("朝阳区", "建外 朝外 呼家楼 三里屯 左家庄 香河园 和平街 安贞 亚运村 小关 "
               "酒仙桥 麦子店 团结湖 六里屯 八里庄 双井 劲松 潘家园 垡头 望京"),
    "110106": ("丰台区", "右安门 太平桥 西罗园 大红门 南苑 东高地 东铁匠营 六里桥 丰台 "
               "新村 方庄 马家堡 卢沟桥 宛平"),
    "110107": ("石景山区", "八宝山 老山 八角 古城 苹果园 金顶街 广宁 鲁谷"),
    "110108": ("海淀区", "万寿路 永定路 羊坊店 甘家口 紫竹院 北下关 北太平庄 学院路 中关村 "
               "海淀 青龙桥 清华园 燕园 花园路 曙光 田村路 八里庄 万柳"),
}

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程"
                "曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
             "建国志文斌辉鹏宇浩然晨欣怡佳琪子涵梓轩思雨")

_PLACE_A = list("东西南北新安和永丰光明文华富康泰兴福德仁义礼智信春秋金银玉翠青红白")
_PLACE_B = ["里", "园", "苑", "街", "门", "桥", "坊", "庄", "营", "巷", "台", "湖"]
_ROAD_A = ["东四", "交道口", "北新桥", "鼓楼", "地安门", "朝阳门", "建国门", "崇文门", "东直门",
           "安定门", "和平里", "雍和宫", "美术馆", "灯市口", "王府井", "东单", "磁器口", "天坛",
           "广渠门", "左安门", "光明", "幸福", "花市", "南锣", "史家", "府学", "国子监", "柳荫",
           "方家", "香饵", "炒豆", "菊儿", "帽儿", "板厂", "东棉花", "后圆恩寺", "前鼓楼苑",
           "新中", "东中", "西总布", "东总布", "遂安伯", "演乐", "礼士", "本司", "钱粮"]
_ROAD_B = ["路", "街", "大街", "胡同", "北街", "南街", "东路", "西路", "北里", "南巷"]

# Categories with their share of incidents, usual priority and a few descriptions.
CATEGORIES = {
    "环境卫生": (0.20, ("楼道堆放杂物", "路面有大量垃圾未清扫", "绿地内积存垃圾")),
    "占道经营": (0.10, ("商户在门前摆摊占用人行道", "早点摊占道经营")),
    "违章搭建": (0.06, ("屋顶私搭彩钢房", "院内违规加盖小房")),
    "噪音扰民": (0.10, ("夜间装修噪音扰民", "广场舞音响声音过大")),
    "邻里纠纷": (0.07, ("楼上漏水引发纠纷", "因停车位发生争执")),
    "设施损坏": (0.11, ("楼道照明灯损坏", "单元门禁损坏无法关闭")),
    "消防隐患": (0.05, ("电动车在楼道内充电", "消防通道被车辆堵塞")),
    "垃圾分类": (0.11, ("垃圾桶站满溢未及时清运", "垃圾未分类投放")),
    "市政设施": (0.12, ("井盖缺失", "路灯不亮", "雨水口堵塞")),
    "其他": (0.08, ("居民咨询事项", "其他需要协调的问题")),
}
# Hours from report to the resolution deadline, per category (used for due_at).
RESOLVE_HOURS = {"环境卫生": 24, "占道经营": 24, "违章搭建": 168, "噪音扰民": 24,
                 "邻里纠纷": 72, "设施损坏": 72, "消防隐患": 12, "垃圾分类": 48,
                 "市政设施": 120, "其他": 72}


def streets_of(district: str) -> list[str]:
    """Real street names of ``district``, each ending in 街道."""
    return [f"{s}街道" for s in DISTRICTS[district][1].split()]


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Chinese personal names: a surname and one or two given characters."""
    sur = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(GIVEN + [""] * 12)[rng.integers(0, len(GIVEN) + 12, n)]
    return _cat(sur, g1, g2)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mobile numbers such as ``13812345678`` (private data)."""
    prefix = np.array(["13", "15", "18", "17"])[rng.integers(0, 4, n)]
    return _cat(prefix, _digits(rng, n, 9))


def landlines(rng: np.random.Generator, n: int) -> np.ndarray:
    """Beijing office numbers such as ``010-6512 3456`` (public)."""
    return _cat("010-6", _digits(rng, n, 3), " ", _digits(rng, n, 4))


def place_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct two- or three-character place names (for communities)."""
    combos = [a + b for a in _PLACE_A for b in _PLACE_B]
    combos += [a + c + b for a in _PLACE_A[:12] for c in _PLACE_A[12:24] for b in _PLACE_B]
    first = rng.permutation(len(_PLACE_A) * len(_PLACE_B))
    rest = len(first) + rng.permutation(len(combos) - len(first))
    pick = np.concatenate([first, rest])[:n]
    return np.array(combos)[pick]


def road_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` road names (路, 街, 胡同 ...), distinct while the combinations last."""
    combos = np.array([a + b for a in _ROAD_A for b in _ROAD_B])
    pick = np.concatenate([rng.permutation(len(combos))] * (n // len(combos) + 1))[:n]
    return combos[pick]


def descriptions(rng: np.random.Generator, categories: np.ndarray) -> np.ndarray:
    """One plausible description per incident of the given categories."""
    out = np.empty(len(categories), dtype=object)
    for cat, (_, texts) in CATEGORIES.items():
        mask = categories == cat
        out[mask] = np.array(texts, dtype=object)[rng.integers(0, len(texts), mask.sum())]
    return out


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return np.char.zfill(rng.integers(0, 10**width, n).astype(str), width)


def _cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars."""
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = out + np.asarray(part, dtype=object)
    return np.asarray(out, dtype=object)
