#!/usr/bin/env python3
"""Download a day's ready Ring recordings: ./startDownload.py [YYYY-MM-DD] (default: today)."""

import sys

from ringConnector.cli import download_main

if __name__ == "__main__":
    sys.exit(download_main())
