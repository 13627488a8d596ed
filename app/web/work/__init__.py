"""The grid worker's phone app (``/work``): tasks, acting with photos, patrols, offline.

``pages`` serves the page (a shell: the script reads everything from the field API as the
worker goes, through the outbox when it writes); ``pwa`` the web app manifest and the
service worker that keeps the shell and the last answers for offline use.
"""
