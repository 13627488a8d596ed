"""PostgreSQL plumbing with no domain in it: COPY of frames, bulk statements, prepared
statements.

May import ``geo.core``.
"""
