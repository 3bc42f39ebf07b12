#!/usr/bin/env bash
# The test command: sets up .venv (the service) and .venv-dev (the service's tree plus the
# tools), then lint, format, types (package and tests), the documentation site and the test suite.
# Extra arguments go to pytest (e.g. -m "not process" for the quick loop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/bootstrap.sh --dev
.venv-dev/bin/ruff check .
.venv-dev/bin/ruff format --check .
.venv-dev/bin/mypy
.venv-dev/bin/mypy bench  # the benchmarks too: they drive the package's real APIs
# The documentation site, strictly: a warning (a broken link or anchor, a page outside the
# navigation) fails. -E reads every page again, so no warning hides in an earlier build.
.venv-dev/bin/sphinx-build -W --keep-going -E -q -b html docs docs/_build/html
.venv-dev/bin/python -m pytest "$@"
