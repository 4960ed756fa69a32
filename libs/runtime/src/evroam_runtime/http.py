"""HTTP pieces shared by the services' APIs: the app every service's routes are added to, and
the admin token check."""

from __future__ import annotations

import hmac
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Header, HTTPException, status

from evroam_runtime.body_limit import limit_body
from evroam_runtime.version import service_version

if TYPE_CHECKING:
    from fastapi.telemetry import TelemetryConfig
    from opentelemetry.trace import TracerProvider

# Probes and scrapes: every few seconds from every replica, nothing an SRE follows a session by.
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def http_app(
    service: str,
    max_body_bytes: int,
    tracer_provider: TracerProvider | None = None,
    version: str | None = None,
) -> FastAPI:
    """A service's HTTP app, with a limit on request bodies and one SERVER span per request;
    its OpenAPI version is `version`, by default the installed `evroam-<service>`'s.

    The spans are FastAPI's own OpenTelemetry support (FastAPI >= 0.162): it continues the
    caller's W3C `traceparent` (the global propagator), names the span `<METHOD> <route
    template>` through mounted apps too (roaming's `/ocpi`), and yields to
    opentelemetry-instrumentation-asgi if that is ever added, so there is never a second
    server span. It records only once a tracer provider is set (`setup_tracing`, or
    `tracer_provider` here). Its per-request operation spans (dependencies, endpoint,
    serialization) are off: three more spans per call, and these handlers are thin."""
    telemetry: TelemetryConfig = {"exclude": _untraced, "operation_spans": False}
    if tracer_provider is not None:
        telemetry["tracer_provider"] = tracer_provider
    app = FastAPI(
        title=f"evroam-{service}",
        version=version if version is not None else service_version(service),
        telemetry=telemetry,
    )
    limit_body(app, max_body_bytes)
    return app


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in UNTRACED_PATHS


def require_admin(token: str | None) -> Callable[[str | None], None]:
    """A dependency that lets a request through only with `Authorization: Bearer <token>`."""

    def check(authorization: str | None = Header(default=None)) -> None:
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not token or not given or not hmac.compare_digest(given, token):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "admin token missing or wrong",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check
