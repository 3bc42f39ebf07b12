"""Tests of what the emulator's hosts share at the HTTP level."""
