"""evroam charger gateway."""
