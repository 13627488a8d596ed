"""API for places: lookup (and its short path below Flask), geocoding, communities,
grids (with audited edits), buildings, outlines. Over ``geo.places``.
"""
