"""The process host shared by every service (see docs/adr/0002-libs-cut.md)."""

from evroam_runtime.cli import main, sql_dir
from evroam_runtime.host import ServiceHost
from evroam_runtime.http import require_admin
from evroam_runtime.settings import ServiceSettings

__all__ = ["ServiceHost", "ServiceSettings", "main", "require_admin", "sql_dir"]
