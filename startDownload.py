#!/usr/bin/env python3
"""Download a day's ready Ring recordings: ./startDownload.py [YYYY-MM-DD] (default: today)."""

import sys

from ringConnector.cli.venv import run_main, use_project_venv

use_project_venv()

if __name__ == "__main__":
    sys.exit(run_main("ringConnector.cli.download", "download_main"))
