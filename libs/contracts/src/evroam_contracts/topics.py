"""Topic names. The catalogue with partitions and retention is `infra/kafka/topics.yaml`;
a contract test keeps the two in step."""

from __future__ import annotations

SERVICES = ("gateway", "authorization", "tariff", "session", "cdr", "roaming", "billing")


def events_topic(service: str) -> str:
    return f"evroam.{service}.events"


def dlq_topic(consumer: str) -> str:
    return f"evroam.{consumer}.dlq"


GATEWAY_COMMANDS = "evroam.gateway.commands"
GATEWAY_REPLIES = "evroam.gateway.replies"
AUTHORIZATION_REQUESTS = "evroam.authorization.requests"
AUTHORIZATION_REPLIES = "evroam.authorization.replies"
ROAMING_REQUESTS = "evroam.roaming.requests"

ALL_TOPICS = (
    *(events_topic(s) for s in SERVICES),
    *(dlq_topic(s) for s in SERVICES),
    GATEWAY_COMMANDS,
    GATEWAY_REPLIES,
    AUTHORIZATION_REQUESTS,
    AUTHORIZATION_REPLIES,
    ROAMING_REQUESTS,
)
