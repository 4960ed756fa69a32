"""Structured log lines say which service and which version of it wrote them."""

from __future__ import annotations

import json
import logging

from evroam_observability.logs import JsonFormatter


def test_a_log_line_carries_the_version_next_to_the_service() -> None:
    record = logging.LogRecord("evroam.test", logging.INFO, __file__, 1, "started", None, None)
    line = json.loads(JsonFormatter("session", "1.4.2").format(record))
    assert (line["service"], line["version"], line["message"]) == ("session", "1.4.2", "started")
