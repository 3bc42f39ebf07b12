#!/usr/bin/env bash
# Reliability figures (not part of the tests): the random-fault soak, larger, over several seeds.
# Add --update-docs to keep the figures (bench/measured/) and write them into their page in docs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
exec .venv-dev/bin/python bench/reliability.py "$@"
