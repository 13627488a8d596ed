"""Incident statuses and sources: the words every domain uses of an incident's state.

The workflow that moves an incident between statuses is ``geo.incidents.workflow``;
this module only names them, so that places, statistics, plans and the models can
speak of open or finished work without importing the workflow.

Overdue (shown wherever work is listed): an open incident past its resolution deadline
``due_at``, or still ``reported`` past its response deadline ``response_due_at``.
"""

from __future__ import annotations

# Work not finished: listed in queues, counted as overdue past its due time.
OPEN = ("reported", "accepted", "dispatched", "in_progress", "returned", "reopened")
# Finished for good; ``resolved`` is neither open nor finished (it awaits verification).
FINISHED = ("closed", "rejected")
STATUSES = (*OPEN, "resolved", *FINISHED)

OPEN_SQL = "({})".format(", ".join(f"'{s}'" for s in OPEN))
OVERDUE_SQL = (f"(i.status IN {OPEN_SQL} AND (i.due_at < now()"
               " OR (i.status = 'reported' AND i.response_due_at < now())))")

# Where an incident came from.
SOURCES = ("hotline", "patrol", "resident", "other")

# Who verifies (核查) a resolved incident of a category (``categories.verify_by``; never the
# resolver): a dispatcher, the chief of the incident's grid, or the reporting resident.
VERIFIERS = ("dispatcher", "grid_chief", "reporter")
# A call-back's (回访) rating: 满意 / 基本满意 / 不满意; taken on the report's page or by phone.
RATINGS = ("satisfied", "fair", "unsatisfied")
CALLBACK_CHANNELS = ("resident", "phone")
