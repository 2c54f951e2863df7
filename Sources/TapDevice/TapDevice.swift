// TAP device access (filled in by the TapDevice work).
