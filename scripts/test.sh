#!/usr/bin/env bash
# The test command: sets up .venv, then lint, format, types (package and tests) and the test suite.
# Extra arguments go to pytest (e.g. -m "not process" for the quick loop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
