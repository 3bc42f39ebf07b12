"""Ring's consumer API through ring_doorbell: may import `sources.http`, never `sources.partner`."""
