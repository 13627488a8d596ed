"""The outbox's API (issue 21 part 5): webhook endpoints and their delivery log
(``webhooks``, parameters in ``schemas``)."""
