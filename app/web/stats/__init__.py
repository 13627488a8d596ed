"""The caseload and coverage maps (``statsmaps``)."""
