"""What each role may do. docs/security.md's role table is this table in
words; keep them in step.

Permissions are checked by ``app.security.auth.require``; community limits (``user_communities``)
narrow every permission to the communities an account is limited to.
"""

READ_STAFF = {"grids:read", "incidents:read", "stats:read"}

PERMISSIONS: dict[str, frozenset[str]] = {
    # Everything, including accounts, tokens and the audit log.
    "admin": frozenset(READ_STAFF | {"grids:write", "plans:write", "incidents:write",
                                     "incidents:reporter", "incidents:work", "users:admin",
                                     "audit:read", "people:manage", "patrols:supervise",
                                     "department:work"}),
    # Redraws grid boundaries and edits grid details.
    "planner": frozenset(READ_STAFF | {"grids:write", "plans:write"}),
    # Takes in, routes and follows incidents (every workflow action: incidents:work with
    # incidents:write); sees reporters' contact details; supervises the workers' patrols.
    "dispatcher": frozenset(READ_STAFF | {"incidents:write", "incidents:reporter",
                                          "incidents:work", "patrols:supervise"}),
    # A grid worker: works the incidents assigned to them (start, resolve, return, note);
    # field:work: the field app's own reads (my tasks, my grids, my notifications), for an
    # account linked to a grid member (users.grid_member_id).
    "member": frozenset({"grids:read", "incidents:read", "incidents:work", "field:work"}),
    # Reads maps, incidents (without reporters' details) and statistics.
    "viewer": frozenset(READ_STAFF),
    # A community office's administrator: the people (workers, party members, departments)
    # of the communities the account is limited to, their workers' patrols, and the staff
    # reads.
    "community_admin": frozenset(READ_STAFF | {"people:manage", "patrols:supervise"}),
    # A department's staff (吹哨报到): only the incidents assigned to the account's department
    # (users.department_id), through the department queue (department:work); works them
    # (start, resolve, return, note, escalate, transfer, ask for an extension). No staff reads:
    # a department sees its own work and nothing else.
    "department": frozenset({"incidents:work", "department:work"}),
}
