"""The documentation against the code: what the pages say is what the code knows."""
