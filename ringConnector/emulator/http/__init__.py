"""What every host shares at the HTTP level: imports nothing else of the emulator, bar the state's type."""
