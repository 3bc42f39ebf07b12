"""Plain data every layer shares (days, events, the event JSON): imports only `errors`."""
