"""What every domain shares: coordinates, parameter parsing, errors, incident words.

Imports nothing else of ``geo``.
"""
