#!/usr/bin/env python3
"""Serve ringConnector's REST API (HOST, PORT) with a production WSGI server."""

import sys

from ringConnector.serve import main

if __name__ == "__main__":
    sys.exit(main())
