#!/usr/bin/env bash
# Reliability figures (not part of the tests): the random-fault soak, larger, over several seeds.
# Add --update-readme to write the figures into README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
exec .venv-dev/bin/python bench/reliability.py "$@"
