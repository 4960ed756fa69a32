"""evroam's devstack: broker, PostgreSQL and every service on this machine, without Docker.

`evroam-devstack up` for people; `Broker`, `Postgres`, `ServiceSet` and `Devstack` for tests
(`evroam_testing` builds its fixtures on them).
"""

from evroam_devstack.broker import Broker
from evroam_devstack.catalogue import (
    CatalogueError,
    DuplicateTopicError,
    TopicSpec,
    check_unique,
    find_catalogue,
    load_catalogue,
)
from evroam_devstack.children import ChildProcess
from evroam_devstack.endpoints import Endpoints, ServiceEndpoint, read_endpoints, write_endpoints
from evroam_devstack.kafka_admin import create_topics, list_topics, wait_for_kafka
from evroam_devstack.orchestrator import Devstack, StateDirInUseError, service_database
from evroam_devstack.ports import PortAllocator, free_port
from evroam_devstack.postgres import (
    Postgres,
    create_database,
    database_url,
    drop_database,
    wait_for_postgres,
)
from evroam_devstack.progress import Progress
from evroam_devstack.service_set import ServiceNotReadyError, ServiceSet, ServiceStartError
from evroam_devstack.services import (
    DEFAULT_HTTP_PORTS,
    DEFAULT_OCPP_PORT,
    SERVICES,
    ServiceCommand,
    ServiceConfig,
    plan_services,
    python_module_command,
    service_env,
    template_command,
)

__all__ = [
    "DEFAULT_HTTP_PORTS",
    "DEFAULT_OCPP_PORT",
    "SERVICES",
    "Broker",
    "CatalogueError",
    "ChildProcess",
    "Devstack",
    "DuplicateTopicError",
    "Endpoints",
    "PortAllocator",
    "Postgres",
    "Progress",
    "ServiceCommand",
    "ServiceConfig",
    "ServiceEndpoint",
    "ServiceNotReadyError",
    "ServiceSet",
    "ServiceStartError",
    "StateDirInUseError",
    "TopicSpec",
    "check_unique",
    "create_database",
    "create_topics",
    "database_url",
    "drop_database",
    "find_catalogue",
    "free_port",
    "list_topics",
    "load_catalogue",
    "plan_services",
    "python_module_command",
    "read_endpoints",
    "service_database",
    "service_env",
    "template_command",
    "wait_for_kafka",
    "wait_for_postgres",
    "write_endpoints",
]
