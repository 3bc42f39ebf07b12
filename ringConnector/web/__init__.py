"""The REST API, Flask only: views call the Connector, never a Source, and import nothing of `cli`."""
