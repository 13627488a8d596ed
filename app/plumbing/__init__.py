"""Request plumbing with no domain in it: the read engine and one-statement paths
(``readdb``), strict JSON (``jsonprovider``).
"""
