"""Kafka, used one way everywhere: key = stream id, payload JSON in the value, metadata in
headers (STYLE habit 7)."""

from evroam_messaging.background import BackgroundWork
from evroam_messaging.broker import make_broker
from evroam_messaging.consumer import (
    Consumer,
    PoisonEventError,
    RetryLaterError,
    register_consumer,
)
from evroam_messaging.producer import Producer
from evroam_messaging.request_reply import Requester, RequestTimeoutError, send_reply

__all__ = [
    "BackgroundWork",
    "Consumer",
    "PoisonEventError",
    "Producer",
    "RequestTimeoutError",
    "Requester",
    "RetryLaterError",
    "make_broker",
    "register_consumer",
    "send_reply",
]
