#!/usr/bin/env bash
# Creates or updates a virtualenv from the hashed lock files (the whole tree, nothing unpinned):
#   scripts/bootstrap.sh         .venv      the service: requirements.lock only (what server.py,
#                                           startDownload.py and the demo run with)
#   scripts/bootstrap.sh --dev   .venv-dev  the service's tree plus the test and lint tools
# Quiet and fast when nothing changed (a hash of the lock file is kept in the venv).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
lock=requirements.lock
if [ "${1:-}" = "--dev" ]; then
  venv=.venv-dev
  lock=requirements-dev.lock
elif [ -n "${1:-}" ]; then
  echo "usage: scripts/bootstrap.sh [--dev]" >&2
  exit 2
fi

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "error: ringConnector needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv with $python" >&2
  "$python" -m venv "$venv"
fi
stamp=$venv/.requirements.sha256
wanted=$(sha256sum "$lock" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "installing $lock into $venv" >&2
  # --require-hashes: every package of the tree must be in the lock with a matching hash.
  # pip-sync semantics without pip-tools: anything installed that the lock does not name goes.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
  extra=$("$venv/bin/python" - "$lock" <<'PY'
import re, sys
from importlib.metadata import distributions
locked = {re.sub(r"[-_.]+", "-", m.group(1)).lower()
          for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", open(sys.argv[1]).read(), re.M)}
keep = {"pip", "setuptools", "wheel"} | locked
names = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in distributions()}
print(" ".join(sorted(names - keep)))
PY
)
  if [ -n "$extra" ]; then
    echo "removing from $venv what $lock does not name: $extra" >&2
    # shellcheck disable=SC2086  # a list of names
    "$venv/bin/python" -m pip uninstall --quiet --disable-pip-version-check -y $extra
  fi
  echo "$wanted" > "$stamp"
fi
