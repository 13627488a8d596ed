"""API for redraw plans: drafts (``drafts``), automatic drafts (``auto``), building
editing (``buildings``), drawing (``shapes``), check/impact/publish (``review``); the
audited writes they share are in ``work``. Over ``geo.plans``.
"""
