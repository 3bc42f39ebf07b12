#!/usr/bin/env python3
"""Sign in to Ring and write the OAuth token file (OAUTH_FILE)."""

import sys

from ringConnector.cli.venv import use_project_venv

use_project_venv()

from ringConnector.cli.sign_in import auth_main  # noqa: E402 - after choosing the interpreter

if __name__ == "__main__":
    sys.exit(auth_main())
