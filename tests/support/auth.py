"""Signing in from tests the way a browser does: fetch the form, post it with its token."""

from __future__ import annotations

import re

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client) -> str:
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    return CSRF_META.search(page).group(1)


def login(client, username: str, password: str, **extra):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client), **extra})


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
