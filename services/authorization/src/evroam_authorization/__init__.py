"""evroam authorization service."""
