"""evroam session service."""
