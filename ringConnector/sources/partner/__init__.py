"""Ring's Partner API (requests, WHEP): may import `sources.http`, never `sources.consumer`."""
