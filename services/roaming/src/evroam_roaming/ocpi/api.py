"""The OCPI application, mounted at `/ocpi` beside the admin API. Its own app so that every
answer under `/ocpi`, errors included, is an OCPI envelope (2.2.1 section 1.6) echoing the
request's message ids (section 1.4), while the admin API keeps plain FastAPI errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from opentelemetry import trace
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evroam_roaming.ocpi.cdrs import routes as cdrs
from evroam_roaming.ocpi.commands import routes as commands
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.credentials import routes as credentials
from evroam_roaming.ocpi.emsp import commands as emsp_commands
from evroam_roaming.ocpi.emsp import receivers as emsp_receivers
from evroam_roaming.ocpi.emsp import tokens as emsp_tokens
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode, ocpi_response
from evroam_roaming.ocpi.headers import echoed_ids
from evroam_roaming.ocpi.hubclientinfo import routes as hubclientinfo
from evroam_roaming.ocpi.locations import routes as locations
from evroam_roaming.ocpi.sessions import routes as sessions
from evroam_roaming.ocpi.tariffs import routes as tariffs
from evroam_roaming.ocpi.tokens import routes as tokens
from evroam_roaming.ocpi.versions import routes as versions

log = logging.getLogger(__name__)
_SLASHES = re.compile(r"/{2,}")
tracer = trace.get_tracer("evroam.roaming.ocpi")
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class OcpiCallMiddleware:
    """One span per OCPI call (ARCHITECTURE section 7) and the ids echoed on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = _one_slash(scope)
        request = Request(scope)
        echoed = [(k.encode(), v.encode()) for k, v in echoed_ids(request.headers).items()]
        name = f"OCPI {request.method} {request.url.path}"
        with tracer.start_as_current_span(name, kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", request.method)

            async def send_with_ids(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    message = {**message, "headers": [*message.get("headers", []), *echoed]}
                await send(message)

            await self.app(scope, receive, send_with_ids)


def _one_slash(scope: Scope) -> Scope:
    """OCPI 2.2.1 joins an endpoint URL and an object's path as `{url}{country_code}/...`
    (module chapters; our published URLs end in `/`) but also as `{url}/{country_code}/...`
    (transport chapter): both reach the same route."""
    path = scope["path"]
    if "//" not in path:
        return scope
    single = _SLASHES.sub("/", path)
    return {**scope, "path": single, "raw_path": single.encode()}


def _handlers(ctx: OcpiContext) -> dict[type[Exception], ErrorHandler]:
    async def ocpi_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OcpiError)
        return ocpi_response(
            None,
            ctx.clock(),
            status_code=exc.status_code,
            status_message=exc.message,
            http_status=exc.http_status,
            headers=exc.headers,
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        # Unknown path (404) or method (405): plain HTTP errors, still in an envelope.
        assert isinstance(exc, HTTPException)
        return ocpi_response(
            None,
            ctx.clock(),
            status_code=StatusCode.CLIENT_ERROR,
            status_message=exc.detail,
            http_status=exc.status_code,
            headers=exc.headers,
        )

    async def invalid_request(request: Request, exc: Exception) -> Response:
        return ocpi_response(
            None,
            ctx.clock(),
            status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS,
            status_message=f"invalid request: {exc}",
            http_status=400,
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        # Runs outside the middleware (Starlette's ServerErrorMiddleware), so echo here too.
        log.error("OCPI %s %s failed", request.method, request.url.path, exc_info=exc)
        return ocpi_response(
            None,
            ctx.clock(),
            status_code=StatusCode.SERVER_ERROR,
            status_message="internal error",
            http_status=500,
            headers=echoed_ids(request.headers),
        )

    return {
        OcpiError: ocpi_error,
        HTTPException: http_error,
        RequestValidationError: invalid_request,
        Exception: unexpected,
    }


def ocpi_app(ctx: OcpiContext) -> FastAPI:
    app = FastAPI(
        title="evroam OCPI 2.2.1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        exception_handlers=_handlers(ctx),  # type: ignore[arg-type]
    )
    app.add_middleware(OcpiCallMiddleware)
    for module in (versions, credentials, cdrs, tokens):
        app.include_router(module.router(ctx))
    # The CPO objects' Sender interfaces, where the composition root gave them a source.
    if ctx.locations is not None:
        app.include_router(locations.router(ctx, ctx.locations))
    if ctx.hub_clients is not None:
        app.include_router(hubclientinfo.router(ctx, ctx.hub_clients))
    if ctx.sessions is not None:
        app.include_router(sessions.router(ctx, ctx.sessions))
    if ctx.tariffs is not None:
        app.include_router(tariffs.router(ctx, ctx.tariffs))
    if ctx.commands is not None:
        app.include_router(commands.router(ctx, ctx.commands))
    # The eMSP role: our tokens' Sender, and the response_url of the commands we send.
    if ctx.emsp_tokens is not None:
        app.include_router(emsp_tokens.router(ctx, ctx.emsp_tokens))
    if ctx.command_results is not None:
        app.include_router(emsp_commands.router(ctx, ctx.command_results))
    # The eMSP role: Receivers of the objects partner CPOs own (sections 3.1-3.4).
    if ctx.emsp_objects is not None:
        app.include_router(emsp_receivers.router(ctx, ctx.emsp_objects))
    return app
