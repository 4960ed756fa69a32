"""The process host shared by every service (see docs/adr/0002-libs-cut.md)."""

from evroam_runtime.body_limit import limit_body
from evroam_runtime.cli import main, sql_dir
from evroam_runtime.host import ServiceHost
from evroam_runtime.http import http_app, require_admin
from evroam_runtime.settings import ServiceSettings

__all__ = [
    "ServiceHost",
    "ServiceSettings",
    "http_app",
    "limit_body",
    "main",
    "require_admin",
    "sql_dir",
]
