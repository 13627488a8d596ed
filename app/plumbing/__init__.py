"""Request plumbing with no domain in it: the read engine and one-statement paths
(``readdb``) and whether the read replica may serve (``replica``), the role's session
settings kept in the database (``dbsettings``), strict JSON (``jsonprovider``).
"""
