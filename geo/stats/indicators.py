"""The evaluation's indicators (考评指标): one table, each with its formula in Chinese and
English, and the SQL predicates its numerator and denominator are counted with.

Every indicator is counted over ``incident_facts`` (one row per incident, kept current by
``geo.stats.caseload.refresh``) and belongs to one *family*, which says which incidents of a
period ``[t0, t1)`` it looks at:

- ``reported``: reported in the period, merged duplicates left out;
- ``closed``: closed in the period (a merge is not a closure);
- ``resolved``: first resolved (反馈) in the period, merged duplicates left out.

The numerator and denominator predicates are the *one* definition: the sums
(``geo.stats.evaluation_store``) and the drill-down to the incidents behind a number use the
same strings. The caseload map's 按期结案率, 返工率 and mean times are the same fact columns
over the same families (``geo.stats.caseload``).

Kinds: ``rate`` (value = numerator / denominator, 0–1, 4 places; null when the denominator
is 0), ``hours`` (mean: value = numerator / denominator, numerator being the total hours;
p90: the 90th percentile of the hours, numerator null), ``count`` (value = numerator, or
the sum of its column: the 督办 marks).
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES = {
    "reported": ("reported_at", "NOT f.merged"),
    "closed": ("closed_at", "true"),
    "resolved": ("resolved_at", "NOT f.merged"),
}
# How 解决率 counts a closure as resolved (setting EVAL_RESOLVED_RULE).
RESOLVED_RULES = ("not_unsatisfied", "first_time")
_RESPONSE_DUE = ("NOT f.rejected AND (f.response_s IS NOT NULL OR f.response_due_at IS NULL"
                 " OR f.response_due_at <= :now)")
# The only facts _RESPONSE_DUE's answer depends on :now for: not yet due until their limit.
# Counted with :now after every limit, a month's numbers hold from the latest such limit on
# (the monthly roll-up, geo.stats.rollup, keeps it beside them as ``pending_until``).
PENDING_RESPONSE = ("NOT f.rejected AND f.response_s IS NULL AND f.response_due_at IS NOT NULL")
_RESOLVED = ("coalesce(f.rating, '') <> 'unsatisfied'"
             " AND (CAST(:rule AS text) <> 'first_time' OR f.rework_count = 0)")


@dataclass(frozen=True)
class Indicator:
    key: str
    family: str
    kind: str  # rate | hours | count
    better: str  # high | low: the direction rankings sort by
    numerator: str  # SQL predicate over incident_facts f (rate, count) or the hours' rows
    denominator: str
    name_zh: str
    name_en: str
    formula_zh: str
    formula_en: str
    column: str | None = None  # hours: the seconds column; p90 when percentile is set
    percentile: float | None = None

    def public(self) -> dict:
        """The indicator as the API and the reports show it."""
        return {"key": self.key, "kind": self.kind, "better": self.better,
                "family": self.family, "name": {"zh": self.name_zh, "en": self.name_en},
                "formula": {"zh": self.formula_zh, "en": self.formula_en}}


INDICATORS: tuple[Indicator, ...] = (
    Indicator("count", "reported", "count", "high", "true", "true",
              "事件数", "Incidents",
              "期内上报的事件数（合并的重复事件不计）",
              "incidents reported in the period (merged duplicates left out)"),
    Indicator("response_rate", "reported", "rate", "high",
              f"{_RESPONSE_DUE} AND f.responded_on_time", _RESPONSE_DUE,
              "响应率", "Response rate",
              "按时响应数 ÷ 应响应数；应响应：期内上报、未被不予受理、且已响应或响应时限已到"
              "（无时限的算已到）；按时响应：首次受理或派遣不晚于响应时限",
              "responded in time ÷ due to respond; due: reported in the period, not rejected, "
              "and responded or past its response limit (none: past); in time: the first "
              "accept or dispatch at or before the response limit"),
    Indicator("resolution_rate", "closed", "rate", "high", _RESOLVED, "true",
              "解决率", "Resolution rate",
              "已解决数 ÷ 结案数，期内结案的事件；已解决：最近一次回访不是“不满意”"
              "（规则 first_time 另要求未返工）",
              "resolved ÷ closed, over the incidents closed in the period; resolved: the "
              "latest rating is not 'unsatisfied' (rule first_time: and never reworked)"),
    Indicator("satisfaction_rate", "closed", "rate", "high",
              "f.rating IN ('satisfied', 'fair')", "f.rating IS NOT NULL",
              "满意率", "Satisfaction rate",
              "（满意 + 基本满意）÷ 已评价数，期内结案的事件，取最近一次评价（居民评价或电话回访）",
              "(satisfied + fair) ÷ rated, over the incidents closed in the period, by their "
              "latest rating (the resident's or a phone call-back)"),
    Indicator("on_time_rate", "closed", "rate", "high", "f.on_time", "true",
              "按期结案率", "On-time closure rate",
              "按期结案数 ÷ 结案数，期内结案的事件；按期：结案时间不晚于处置时限（无时限算按期）",
              "closed on time ÷ closed, over the incidents closed in the period; on time: "
              "closed at or before the deadline (none: on time)"),
    Indicator("rework_rate", "resolved", "rate", "low", "f.reworked", "true",
              "返工率", "Rework rate",
              "返工事件数 ÷ 已反馈事件数，首次反馈在期内的事件；返工：首次反馈后被核查不通过、"
              "重开或回退",
              "reworked ÷ resolved, over the incidents first resolved in the period; "
              "reworked: failed verification, reopened or sent back after that first resolve"),
    Indicator("extension_rate", "closed", "rate", "low", "f.extended", "true",
              "延期率", "Extension rate",
              "获批延期的事件数 ÷ 结案数，期内结案的事件",
              "incidents with an approved extension ÷ closed, over the incidents closed in "
              "the period"),
    Indicator("supervised", "reported", "count", "low", "f.supervised > 0", "true",
              "督办数", "Supervised",
              "期内上报的事件被督办的次数；分子为被督办的事件数，分母为事件数",
              "supervision marks on the incidents reported in the period; numerator: the "
              "incidents marked, denominator: the incidents", column="supervised"),
    Indicator("mean_response_h", "reported", "hours", "low", "f.response_s IS NOT NULL",
              "f.response_s IS NOT NULL", "平均响应时长（小时）", "Mean time to respond (h)",
              "期内上报且已响应的事件，上报到首次受理或派遣的小时数之和 ÷ 事件数",
              "hours from report to the first accept or dispatch, summed over the incidents "
              "reported in the period that have one ÷ their number", column="response_s"),
    Indicator("p90_response_h", "reported", "hours", "low", "f.response_s IS NOT NULL",
              "f.response_s IS NOT NULL", "响应时长P90（小时）", "Time to respond, p90 (h)",
              "同上事件的响应小时数的第90百分位数", "the 90th percentile of those hours",
              column="response_s", percentile=0.9),
    Indicator("mean_close_h", "closed", "hours", "low", "true", "true",
              "平均结案时长（小时）", "Mean time to close (h)",
              "期内结案的事件，上报到结案的小时数之和 ÷ 结案数",
              "hours from report to closure, summed over the incidents closed in the "
              "period ÷ their number", column="close_s"),
    Indicator("p90_close_h", "closed", "hours", "low", "true", "true",
              "结案时长P90（小时）", "Time to close, p90 (h)",
              "期内结案事件的结案小时数的第90百分位数", "the 90th percentile of those hours",
              column="close_s", percentile=0.9),
)
BY_KEY = {i.key: i for i in INDICATORS}
KEYS = tuple(BY_KEY)


def formulas() -> list[dict]:
    """Every indicator's key, kind, direction, family, name and formula (zh and en)."""
    return [i.public() for i in INDICATORS]


def value(ind: Indicator, numerator: float | None, denominator: int,
          extra: float | None = None) -> float | int | None:
    """An indicator's value from its numerator and denominator; ``extra``: a count's sum
    of its column (督办 marks) or the p90's percentile."""
    if ind.kind == "count":
        return numerator if ind.column is None else int(extra or 0)
    if ind.percentile is not None:
        return None if extra is None else round(extra, 2)
    if not denominator or numerator is None:
        return None
    return round(numerator / denominator, 4 if ind.kind == "rate" else 2)
