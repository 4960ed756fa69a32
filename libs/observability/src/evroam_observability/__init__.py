"""Tracing and logging setup, called once from a service's composition root."""

from evroam_observability.logs import correlation_id_var, setup_logging
from evroam_observability.tracing import setup_tracing

__all__ = ["correlation_id_var", "setup_logging", "setup_tracing"]
