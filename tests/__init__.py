"""The test suite; folders mirror the package, tests/system runs the whole connector."""
