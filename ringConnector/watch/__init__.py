"""Watch mode: a long-running loop that downloads each new event as soon as Ring has it, on top of
the Connector (its only way to Ring and to the disk); `web` and `cli` start and observe it."""
