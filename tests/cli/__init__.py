"""Tests of ringConnector.cli."""
