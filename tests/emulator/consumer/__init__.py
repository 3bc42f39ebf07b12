"""Tests of the emulator's consumer API host and its recordings."""
