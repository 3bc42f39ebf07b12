"""Tests of ringConnector.download."""
