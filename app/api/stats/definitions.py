"""What each caseload measure means, in the words the caseload page and
``GET /api/v1/stats/caseload`` show beside the numbers (the request's language). The
rules themselves are ``geo.stats.caseload``'s docstring."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DEFINITIONS = {
    "count": _l("事件数：期内上报的事件（合并的重复事件不计）"),
    "per_1000": _l("每千户事件数 = 事件数 × 1000 ÷ 户数"),
    "open": _l("未办结：期内上报、目前仍未办结"),
    "overdue": _l("超期：期内上报、目前已超期"),
    "on_time_rate": _l("按期结案率 = 期内按期结案数 ÷ 期内结案数（结案时间不晚于办结时限）"),
    "rework_rate": _l("返工率 = 首次反馈在期内且其后被重办或回退的事件数 ÷ 首次反馈在期内的事件数"),
    "mean_response_h": _l("平均响应时长（小时）= 上报至首次立案或派遣的平均时长"),
    "mean_close_h": _l("平均结案时长（小时）= 期内结案事件从上报到结案的平均时长"),
}


def definitions() -> dict[str, str]:
    """The definitions in the request's language."""
    return {key: str(text) for key, text in DEFINITIONS.items()}
