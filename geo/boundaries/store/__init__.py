"""The SQL of boundary changes, one module per kind of work: where open incidents go
(:mod:`.moves`), the re-homing statements (:mod:`.rehome`) and scheduled changes
(:mod:`.schedule`). Set-based throughout: a redraw of a whole city is a few statements,
never one per incident or building. Every function works in the caller's transaction.
"""
