#!/usr/bin/env python3
"""Download a day's ready Ring recordings: ./startDownload.py [YYYY-MM-DD] (default: today)."""

import sys

from ringConnector.cli.venv import use_project_venv

use_project_venv()

from ringConnector.cli.download import download_main  # noqa: E402 - after choosing the interpreter

if __name__ == "__main__":
    sys.exit(download_main())
