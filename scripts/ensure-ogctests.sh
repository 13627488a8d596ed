#!/usr/bin/env bash
# The ogctests conformance suite (PyPI) in its own virtualenv, var/ogctests-venv: its pins
# (pytest<9, pyarrow<18) clash with the project's test tools, so tests/test_ogc_clients.py
# runs it as a separate process against a live server.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=var/ogctests-venv
STAMP="$VENV/.installed"
if [ -f "$STAMP" ] && [ "$STAMP" -nt requirements-ogctests.txt ]; then exit 0; fi
PYTHON="${PYTHON:-python3}"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q -r requirements-ogctests.txt
touch "$STAMP"
