"""The supervisors' patrol coverage page (``/patrols``)."""
