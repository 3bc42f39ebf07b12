"""Tests of ringConnector.model."""
