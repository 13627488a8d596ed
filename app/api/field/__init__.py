"""The field app's API (issue 20): a grid worker's tasks and grids, evidence photos and
in-app notifications (``tasks``, ``notifications``); patrols and their coverage in
``patrols`` (parameters in ``patrol_schemas``)."""
