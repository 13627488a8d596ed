"""The dispatcher console (``dispatch``)."""
