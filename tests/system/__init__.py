"""Tests of ringConnector end to end: the real scripts and server under crashes, faults, load and sharing."""
