"""Tests of ringConnector.sources."""
