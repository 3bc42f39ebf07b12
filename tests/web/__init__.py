"""Tests of ringConnector.web."""
