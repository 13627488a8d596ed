"""Spatial logic with no Flask in it: coordinates, files, validation, assignment, demo data."""
