"""evroam billing service."""
