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

from evroam_contracts.authorization import AuthorizeToken
from evroam_contracts.emi3 import ContractId
from evroam_contracts.ids import new_id
from evroam_contracts.topics import AUTHORIZATION_REQUESTS, GATEWAY_REPLIES
from evroam_messaging import Producer, Requester
from evroam_testing.infra import devstack_infra
from evroam_testing.stack import Stack, running_stack

TOKENS = 200


async def _register_tokens(stack: Stack) -> list[str]:
    base = stack.url("authorization")
    uids = [f"BENCH{i:04d}" for i in range(TOKENS)]
    async with httpx.AsyncClient(headers=stack.admin_headers, timeout=10) as http:
        for uid in uids:
            token = {
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
            r = await http.put(f"{base}/tokens/NL/EVR/{uid}", json=token)
            r.raise_for_status()
        await _until_found(http, f"{base}/tokens/NL/EVR/{uids[-1]}")
    return uids


async def _until_found(http: httpx.AsyncClient, url: str, timeout_s: float = 30) -> None:
    """The token projection folds asynchronously: wait until the last token is served."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (await http.get(url)).status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} not served within {timeout_s}s")


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
