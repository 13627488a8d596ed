"""The monthly report (月报): ``monthly`` gathers a month's evaluation at every level and
writes it through ``xlsx`` (openpyxl) or ``pdf`` (WeasyPrint over ``templates/monthly.html``);
``svgmap`` draws the caseload map as SVG from the outlines ``store`` reads (its only SQL).

Part of ``geo.stats``: may import what ``geo.stats`` may, and ``geo.stats`` itself.
"""
