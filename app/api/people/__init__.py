"""The people API: ``workers``, ``party`` (organisations, members, 双报到 registrations),
``departments``, ``rosters`` (CSV/XLSX import and export), ``access`` (an account's role
and community limits). ``writes`` holds what their changes share: ETags and If-Match,
the audit entries, and the audited reads of private fields."""
