"""The SQL of the outbox (``geo.outbox``): :mod:`.deliveries` (fan-out, lease, outcome, log)
and :mod:`.endpoints` (the webhook endpoints)."""
