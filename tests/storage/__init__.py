"""Tests of ringConnector.storage."""
