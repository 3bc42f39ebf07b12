"""Tests of the Ring emulator (a package, so its conftest does not shadow tests/conftest.py)."""
