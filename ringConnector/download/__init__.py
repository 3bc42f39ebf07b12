"""The downloads, async in the Connector's loop: Ring only through a `Source`; never `web` or `cli`."""
