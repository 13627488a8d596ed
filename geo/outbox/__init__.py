"""The outbox and its delivery (issue 21 part 5): every incident event is an ``outbox`` row
written in the event's transaction (a trigger on ``incident_events``, migration 0021_outbox,
so the workflow, intake, imports and boundary re-homing all write it without knowing);
the delivery worker (:mod:`.worker`, ``flask outbox run``) fans each row out to the
channels' targets (``deliveries``) and delivers them: webhooks signed per the Standard
Webhooks spec (:mod:`.signing`), with back-off retries for 24 hours under a lease taken with
``FOR UPDATE SKIP LOCKED``, so a worker killed mid-delivery loses nothing (the lease expires
and another attempt retakes it) and a delivered row is never sent again.

Tables in ``app.models.outbox``; the SQL in ``store``. Sits after ``geo.field`` in the
package order: may import ``geo.core``, ``geo.pg``, ``geo.places``, ``geo.people``,
``geo.incidents`` and ``geo.field``; imported by ``geo.demo`` only.
"""
