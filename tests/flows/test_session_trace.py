"""One connected trace per charging session (issue 10, deliverable 1): the tree an SRE sees in
Jaeger, from the station's first message of the session (OCPP Authorize) through
authorization, session, CDR and billing, down to the OCPI push of the CDR to the partner eMSP.
The services export their spans over OTLP to the test's receiver, as they would to a
collector."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.otlp import ReceivedSpan, SpanStore
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow
START = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)
SESSION_SERVICES = {
    "evroam-gateway",
    "evroam-authorization",
    "evroam-session",
    "evroam-cdr",
    "evroam-roaming",
    "evroam-billing",
}


def _tree(spans: list[ReceivedSpan]) -> str:
    """The trace as a viewer would indent it: what a failed assertion should show."""
    children: dict[str, list[ReceivedSpan]] = {}
    for s in spans:
        children.setdefault(s.parent_span_id, []).append(s)
    ids = {s.span_id for s in spans}
    lines: list[str] = []

    def walk(span: ReceivedSpan, depth: int) -> None:
        lines.append(f"{'  ' * depth}{span.service} {span.kind} {span.name}")
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    for s in spans:
        if s.parent_span_id not in ids:
            walk(s, 0)
    return "\n".join(lines)


def _ancestry(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[ReceivedSpan]:
    """The span and its parents up to the first whose parent is not in the trace."""
    chain = [span]
    while chain[-1].parent_span_id in by_id:
        chain.append(by_id[chain[-1].parent_span_id])
    return chain


async def _until(
    check: Callable[[], str | None], spans: SpanStore, trace_id: str, timeout_s: float = 15
) -> None:
    """Wait for the export batches until `check` finds nothing wrong; fail with the tree."""
    for _ in range(int(timeout_s / 0.2)):
        if check() is None:
            return
        await asyncio.sleep(0.2)
    problem = check()
    assert problem is None, f"{problem}\n{_tree(spans.trace(trace_id))}"


async def test_one_charging_session_is_one_connected_trace_down_to_the_push_and_the_bill(
    platform: Platform, stack: Stack, spans: SpanStore
) -> None:
    sc = scenario.Scenario.new()
    token_a = await scenario.provision(platform, sc)
    async with OcpiPartner(sc.emsp_country_code, sc.emsp_party_id) as emsp:
        await emsp.register(stack.ocpi_versions_url, token_a)
        await scenario.play(platform, sc, START)
        session = await scenario.session_of(platform, sc, START)
        cdr = await scenario.cdr_of(platform, session["id"])
        await scenario.statement_line_of(platform, cdr["id"])

        async def pushed() -> dict[str, Any] | None:
            return emsp.cdrs.get(cdr["id"])

        await platform.eventually("CDR pushed to the eMSP", "roaming", pushed)

    def first_message() -> list[ReceivedSpan] | None:
        found = [
            s
            for s in spans.spans
            if s.name == "ocpp Authorize"
            and s.attributes.get("evroam.correlation_id") == session["id"]
        ]
        return found or None

    async def first() -> list[ReceivedSpan] | None:
        return first_message()

    [authorize] = await platform.eventually("the Authorize span exported", "gateway", first)
    trace_id = authorize.trace_id

    def push_span(trace: list[ReceivedSpan]) -> ReceivedSpan | None:
        return next(
            (
                s
                for s in trace
                if s.service == "evroam-roaming"
                and s.kind == "CLIENT"
                and s.name == "OCPI POST cdrs"
            ),
            None,
        )

    def billing_span(trace: list[ReceivedSpan]) -> ReceivedSpan | None:
        return next(
            (s for s in trace if s.service == "evroam-billing" and s.kind == "CONSUMER"), None
        )

    def whats_wrong() -> str | None:
        trace = spans.trace(trace_id)
        if missing := SESSION_SERVICES - {s.service for s in trace}:
            return f"services missing from the trace: {sorted(missing)}"
        by_id = {s.span_id: s for s in trace}
        if orphans := [s for s in trace if s is not authorize and s.parent_span_id not in by_id]:
            return f"spans whose parent is not in the trace: {[s.name for s in orphans]}"
        for what, leaf in (("OCPI push", push_span(trace)), ("billing", billing_span(trace))):
            if leaf is None:
                return f"no {what} span in the trace"
            if _ancestry(leaf, by_id)[-1] is not authorize:
                return f"the {what} span does not lead up to the Authorize span"
        return None

    await _until(whats_wrong, spans, trace_id)
    assert authorize.parent_span_id == ""  # the root: the station's first message
    assert authorize.kind == "SERVER"
