"""The caseload and coverage maps (``statsmaps``) and the evaluation page (``evaluation``)."""
