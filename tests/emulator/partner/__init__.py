"""Tests of the emulator's Partner API host and its clips."""
