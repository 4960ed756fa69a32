"""HTTP calls to a CPO's Commands Receiver (OCPI 2.2.1 section 3.6, we are the eMSP)."""

from __future__ import annotations

import httpx
from opentelemetry import trace

from evroam_roaming.ocpi.emsp.command_calls import CommandAnswer, CommandCall, interpret, no_answer

tracer = trace.get_tracer("evroam.roaming.ocpi")


class CommandsClient:
    def __init__(self, http: httpx.AsyncClient, timeout_s: float) -> None:
        self._http, self._timeout = http, timeout_s

    async def post(self, call: CommandCall) -> CommandAnswer:
        """POST the command once; never raises for what the CPO does or fails to do. Not
        retried: a command may have reached the station even when its answer was lost, and
        OCPI has no way to tell (section 6.2: no retries, no queueing)."""
        with tracer.start_as_current_span("OCPI POST commands", kind=trace.SpanKind.CLIENT):
            try:
                response = await self._http.post(
                    call.url, headers=call.headers, content=call.body, timeout=self._timeout
                )
            except httpx.TimeoutException:
                return no_answer(f"no answer within {self._timeout * 1000:.0f} ms")
            except httpx.HTTPError as exc:
                return no_answer(f"{type(exc).__name__}: {exc}")
        return interpret(response.status_code, response.content)
