"""A stand-in for an evroam service that keeps docs/service-runtime.md with the stdlib.

    python fake_service.py <service> migrate|run

`migrate` records the service in a table of its database (proving DATABASE_URL works).
`run` serves /healthz, /readyz (200 once the broker accepts a TCP connection) and /env (its
EVROAM_* and OTEL_* variables) on HTTP_HOST:HTTP_PORT, plus a plain HTTP listener on the
gateway's OCPP port, and exits 0 on SIGTERM or SIGINT.

Knobs for failure tests: FAKE_NEVER_READY=<service> answers 503 forever;
FAKE_FAIL_MIGRATE=<service> makes the migration exit 3.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def setting(service: str, name: str) -> str:
    return os.environ[f"EVROAM_{service.upper()}_{name}"]


def migrate(service: str) -> int:
    if os.environ.get("FAKE_FAIL_MIGRATE") == service:
        print(f"{service}: migration failed on purpose", flush=True)
        return 3
    import psycopg

    with psycopg.connect(setting(service, "DATABASE_URL"), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS fake_migrations (service text PRIMARY KEY)")
        conn.execute("INSERT INTO fake_migrations VALUES (%s) ON CONFLICT DO NOTHING", (service,))
    print(f"{service}: migrated", flush=True)
    return 0


def broker_answers(service: str) -> bool:
    host, _, port = setting(service, "KAFKA_BOOTSTRAP_SERVERS").split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def handler_for(service: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                self.answer(200, {"status": "alive"})
            elif self.path == "/readyz":
                self.readyz()
            elif self.path == "/env":
                wanted = {k: v for k, v in os.environ.items() if k.startswith(("EVROAM_", "OTEL_"))}
                self.answer(200, wanted)
            else:
                self.answer(404, {"error": "not found"})

        def readyz(self) -> None:
            if os.environ.get("FAKE_NEVER_READY") == service:
                self.answer(503, {"missing": ["kafka partitions"]})
            elif not broker_answers(service):
                self.answer(503, {"missing": ["broker"]})
            else:
                self.answer(200, {"status": "ready"})

        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            print(f"{service}: {format % args}", flush=True)

    return Handler


def run(service: str) -> int:
    handler = handler_for(service)
    listeners = ["HTTP", "OCPP"] if service == "gateway" else ["HTTP"]
    servers = [
        ThreadingHTTPServer(
            (setting(service, f"{kind}_HOST"), int(setting(service, f"{kind}_PORT"))), handler
        )
        for kind in listeners
    ]
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"{service}: serving on {[s.server_address for s in servers]}", flush=True)
    stopping.wait()
    for server in servers:
        server.shutdown()
    print(f"{service}: stopped", flush=True)
    return 0


def main() -> int:
    service, action = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "run"
    return migrate(service) if action == "migrate" else run(service)


if __name__ == "__main__":
    sys.exit(main())
