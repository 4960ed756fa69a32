"""evroam CDR service."""
