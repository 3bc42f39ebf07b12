#!/usr/bin/env bash
# Regenerates the hashed lock files from the direct requirements (run after editing
# requirements.txt or requirements-dev.txt, then commit all four files):
#   requirements.lock      the whole runtime tree, what .venv (the service) installs
#   requirements-dev.lock  the runtime tree plus the test and lint tools, what .venv-dev installs
# pip-tools runs from a throwaway virtualenv, so it is in neither environment.
set -euo pipefail
cd "$(dirname "$0")/.."
PIP_TOOLS=pip-tools==7.6.2
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"${PYTHON:-python3.11}" -m venv "$tools"
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check "$PIP_TOOLS"
compile=("$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras
         --no-emit-find-links --no-emit-index-url --no-emit-trusted-host --newline=lf)
CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "${compile[@]}" --output-file requirements.lock requirements.txt
# The dev tree is constrained by the runtime lock: the tests run exactly the service's versions.
CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "${compile[@]}" --constraint requirements.lock \
  --output-file requirements-dev.lock requirements-dev.txt
