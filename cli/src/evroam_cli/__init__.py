"""The `evroam` command line."""
