"""evroam roaming service."""
