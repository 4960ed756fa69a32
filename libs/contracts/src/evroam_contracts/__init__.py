"""evroam contracts: the envelope, the event catalogue and the topic names.

Nothing here does I/O. Producers build payload models, the messaging library wraps them in an
envelope; consumers decode with `decode_payload`, which upcasts old versions.
"""

from evroam_contracts.base import Event, Message
from evroam_contracts.catalogue import CATALOGUE, UnknownEventTypeError, decode_payload, model_for
from evroam_contracts.envelope import Envelope

__all__ = [
    "CATALOGUE",
    "Envelope",
    "Event",
    "Message",
    "UnknownEventTypeError",
    "decode_payload",
    "model_for",
]
