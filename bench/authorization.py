"""Authorize decisions through the broker, as the gateway asks them: a Requester publishes
AuthorizeToken on `evroam.authorization.requests` and waits for the reply, against a real
authorization service process on the devstack. Reports decisions per second and the round
trip's p50/p99 at a given concurrency (stations asking at once)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from evroam_cli.client import Platform
from evroam_cli.endpoints import Endpoints
from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.emi3 import ContractId
from evroam_contracts.ids import new_id
from evroam_contracts.topics import AUTHORIZATION_REQUESTS, GATEWAY_REPLIES
from evroam_messaging import Producer, Requester
from evroam_testing.infra import devstack_infra
from evroam_testing.stack import Stack, running_stack

TOKENS = 200


async def _register_tokens(stack: Stack) -> list[str]:
    """Own tokens, registered through the admin API; returns once the service serves them."""
    uids = [f"BENCH{i:04d}" for i in range(TOKENS)]
    endpoints = Endpoints(
        http=stack.http_urls,
        ocpp_url="",
        admin_token=stack.admin_token,
        kafka_bootstrap_servers=stack.infra.kafka_bootstrap_servers,
    )
    async with httpx.AsyncClient(timeout=10) as http:
        platform = Platform(endpoints, http)
        for uid in uids:
            await platform.register_token(
                {
                    "country_code": "NL",
                    "party_id": "EVR",
                    "uid": uid,
                    "type": "RFID",
                    "contract_id": str(ContractId.new("NL", "EVR", f"{uid[-8:]:0>8}")),
                    "issuer": "evroam bench",
                    "whitelist": "ALLOWED",
                    "valid": True,
                    "last_updated": "2026-11-21T00:00:00Z",
                }
            )
        last = f"/tokens/NL/EVR/{uids[-1]}"
        await platform.eventually(
            "tokens registered", "authorization", lambda: platform.found("authorization", last)
        )
    return uids


async def _ask(
    requester: Requester, uids: list[str], requests: int, concurrency: int
) -> list[float]:
    latencies: list[float] = []
    queue = iter(range(requests))

    async def station() -> None:
        for i in queue:
            request = AuthorizeToken(
                request_id=str(new_id()), station_id=f"CS{i % 97}", id_tag=uids[i % len(uids)]
            )
            started = time.perf_counter()
            reply = await requester.request(
                AUTHORIZATION_REQUESTS, request, key=request.station_id, timeout_s=10
            )
            latencies.append(time.perf_counter() - started)
            assert reply["status"] == "ACCEPTED", reply

    await asyncio.gather(*(station() for _ in range(concurrency)))
    return latencies


async def _measure(stack: Stack, requests: int, concurrency: int) -> None:
    uids = await _register_tokens(stack)
    producer = Producer(stack.infra.kafka_bootstrap_servers, "bench-gateway")
    await producer.start()
    requester = Requester(producer, stack.infra.kafka_bootstrap_servers, GATEWAY_REPLIES)
    await requester.start()
    try:
        await _ask(requester, uids, 50, 1)  # warm-up: consumer assignment, connections
        for c in (1, concurrency):
            started = time.perf_counter()
            latencies = sorted(await _ask(requester, uids, requests, c))
            elapsed = time.perf_counter() - started
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            print(
                f"| {requests} authorize requests, {c} in flight | {requests / elapsed:,.0f}"
                f" decisions/s | p50 {p50:.1f} ms | p99 {p99:.1f} ms |"
            )
    finally:
        await requester.stop()
        await producer.stop()


def run(requests: int, concurrency: int) -> None:
    print("| measurement | throughput | round trip p50 | round trip p99 |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="evroam-bench-") as tmp:
        log_dir = Path(tmp)
        with (
            devstack_infra(log_dir) as infra,
            running_stack(infra, log_dir=log_dir, services=["authorization"]) as stack,
        ):
            asyncio.run(_measure(stack, requests, concurrency))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.authorization", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per run (2000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    args = parser.parse_args()
    run(args.requests, args.concurrency)


if __name__ == "__main__":
    main()
