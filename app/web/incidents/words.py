"""The workflow's words on staff pages, in one table: the statuses and the actions of an
incident (keys: the API's codes, ``act_`` before an action) and the call-back's ratings.
The dispatcher console, the department queue, the grid worker's app (``/work``) and the
public map's rating form take them from here, so a word is written and translated once.
(The public map's progress words, ``st_*``, are deliberately plainer, for residents.)"""

from __future__ import annotations

from app.web.i18n import N_

# key → message (Chinese msgid, the key its context; English in app/translations).
STATUSES: dict[str, str] = dict([
    N_("reported", "待受理"), N_("accepted", "已立案"), N_("dispatched", "已派遣"),
    N_("in_progress", "处置中"), N_("resolved", "已反馈待核查"), N_("closed", "已结案"),
    N_("rejected", "不予受理"), N_("returned", "已回退"), N_("reopened", "重新办理"),
])
ACTIONS: dict[str, str] = dict([
    N_("act_accept", "立案"), N_("act_reject", "不予受理"), N_("act_dispatch", "派遣"),
    N_("act_start", "开始处置"), N_("act_resolve", "处置反馈"), N_("act_return", "回退"),
    N_("act_close", "核查结案"), N_("act_reopen", "核查不通过"), N_("act_move", "改派网格"),
    N_("act_merge", "合并"), N_("act_note", "添加备注"), N_("act_report", "上报"),
    N_("act_merged_in", "合并入"), N_("act_reassign", "改派"),
    N_("act_prioritise", "调整优先级"),
    # Verification (核查) and call-back (回访), escalation, 督办 and 延期 (issue 21).
    N_("act_verify", "核查通过"), N_("act_rework", "返工"), N_("act_rate", "回访评价"),
    N_("act_reopen_unsatisfied", "回访不满意重新办理"),
    N_("act_escalate", "上报（吹哨）"), N_("act_transfer", "转办"), N_("act_supervise", "督办"),
    N_("act_extend_request", "申请延期"), N_("act_extend_approve", "批准延期"),
    N_("act_extend_refuse", "驳回延期"),
])
RATINGS: dict[str, str] = dict([
    N_("rating_satisfied", "满意"), N_("rating_fair", "基本满意"),
    N_("rating_unsatisfied", "不满意"),
])
WORKFLOW: dict[str, str] = {**STATUSES, **ACTIONS, **RATINGS}
