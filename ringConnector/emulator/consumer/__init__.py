"""The consumer API host and its recordings: may import emulator.http and the top level, never .partner."""
