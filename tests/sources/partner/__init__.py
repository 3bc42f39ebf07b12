"""Tests of ringConnector.sources.partner."""
