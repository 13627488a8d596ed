"""Pages about places: the grid overview (``overview``), the residents' public map
(``public_map``), printable QR codes (``qrcodes``).
"""
