#!/usr/bin/env python3
"""Sign in to Ring and write the OAuth token file (OAUTH_FILE)."""

import sys

from ringConnector.cli.venv import run_main, use_project_venv

use_project_venv()

if __name__ == "__main__":
    sys.exit(run_main("ringConnector.cli.sign_in", "auth_main"))
