#!/usr/bin/env bash
# The download benchmark (not part of the tests): sets up .venv-dev, then runs bench/run.py.
# Add --update-docs to keep the figures (bench/measured/) and write them into their page in docs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
if [ "${1:-}" = "--watch" ]; then
  shift
  exec .venv-dev/bin/python bench/watch.py "$@"
fi
if [ "${1:-}" = "--first-look" ]; then
  shift
  exec .venv-dev/bin/python bench/first_look.py "$@"
fi
exec .venv-dev/bin/python bench/run.py "$@"
