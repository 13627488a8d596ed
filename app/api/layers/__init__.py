"""API for layer downloads. Over ``geo.layers``."""
