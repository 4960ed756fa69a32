"""evroam's test toolkit: infrastructure fixtures (pytest plugin `evroam_testing.plugin`)."""
