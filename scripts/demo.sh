#!/usr/bin/env bash
# The built-in demo: sets up .venv, starts the Ring emulator with a realistic day, signs in
# and downloads that day with the real scripts and server. No Ring account needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python -m ringConnector.cli.demo "$@"
