"""evroam tariff service."""
