"""Tests of ringConnector.sources.consumer."""
