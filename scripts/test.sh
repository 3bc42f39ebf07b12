#!/usr/bin/env bash
# The test command: sets up .venv (the service) and .venv-dev (the service's tree plus the
# tools), then lint, format, types (package and tests) and the test suite.
# Extra arguments go to pytest (e.g. -m "not process" for the quick loop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/bootstrap.sh --dev
.venv-dev/bin/ruff check .
.venv-dev/bin/ruff format --check .
.venv-dev/bin/mypy
.venv-dev/bin/mypy bench  # the benchmarks too: they drive the package's real APIs
.venv-dev/bin/python -m pytest "$@"
