"""DATA_DIR and the token files, synchronous: imports `model` and `errors`, never the network."""
