"""API of the grid worker's field work (issue 20): patrols (``patrols``, with their
parameters in ``patrol_schemas``). Over ``geo.field``.
"""
