"""The Partner API host and its clips: may import emulator.http and the top level, never .consumer."""
