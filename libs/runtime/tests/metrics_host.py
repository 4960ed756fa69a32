"""A service host with one consumer group, run as its own process by test_metrics_scrape
(the host owns signals, logging and the global tracer provider, as in production).

    python metrics_host.py <service>   # settings from DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, ...
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer, PoisonEventError
from evroam_runtime import ServiceHost, ServiceSettings

HANDLED = "station.disconnected"


async def on_disconnected(conn: Any, envelope: Any, message: Any) -> None:
    if envelope.stream_id == "poison":
        raise PoisonEventError("a station that cannot be")


def main(service: str) -> None:
    async def wire(host: ServiceHost) -> None:
        host.add_consumer(
            Consumer(
                group=f"evroam.{service}.policies",
                topics=[events_topic(service)],
                handlers={HANDLED: on_disconnected},
                service=service,
            )
        )

    asyncio.run(ServiceHost(service, ServiceSettings()).run(wire))


if __name__ == "__main__":
    main(sys.argv[1])
