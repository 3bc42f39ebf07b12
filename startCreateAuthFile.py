#!/usr/bin/env python3
"""Sign in to Ring and write the OAuth token file (OAUTH_FILE)."""

import sys

from ringConnector.cli import auth_main

if __name__ == "__main__":
    sys.exit(auth_main())
