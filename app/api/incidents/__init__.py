"""API for incidents: the staff queue and actions (``queue``), hotline imports
(``imports``), resident reports (``reports``), categories and holidays (``categories``,
with their audited writes in ``worktables``). Over ``geo.incidents``.
"""
