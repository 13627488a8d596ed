"""Benchmarks: ``make bench`` (``python -m bench``) prints a table; see bench/__main__.py."""
