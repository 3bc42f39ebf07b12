"""The command line, argparse and terminals; may import every layer. Importing this package
loads only the standard library: the venv launcher (`cli.venv`) runs before `.venv` exists."""
