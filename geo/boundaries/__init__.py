"""Boundary changes: what follows when grid polygons change, and changes on a date.

One re-homing rule for every boundary change (a plan published, a grids layer imported,
a scheduled change applied): ``rehome`` moves the open incidents, buildings and serving
party members that the new polygons put elsewhere, by the assignment rule of
``geo.places.assign`` and the assignee rule of ``geo.incidents.routing``, with one
``regrid`` event per incident moved. ``moves`` says where open incidents go (what *would*
happen, for a plan's impact, and what does). ``schedule`` keeps changes that take effect
on a later day and applies them when it comes. ``overlays`` checks responsibility overlays
(who answers for a road, a market, a compound, a park: applied by the routing rule of
``geo.incidents.routing``). The SQL is in ``store``.

May import ``geo.core``, ``geo.pg``, ``geo.places`` and ``geo.incidents``; imported by
``geo.layers`` and ``geo.plans``.
"""
