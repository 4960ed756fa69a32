"""How `evroam partners` prints what evroam-roaming answers: tables and `field  value` lines
for people; `--json` prints the answers as they are."""

from __future__ import annotations

from typing import Any

from evroam_cli.tables import table

ERROR_WIDTH = 60  # the pushes table cuts long errors; --json has them whole


def _party(p: dict[str, Any]) -> str:
    return f"{p['country_code']}*{p['party_id']}"


def render_issued(issued: dict[str, Any], versions_url: str) -> None:
    """A new token A: shown this once, with what the partner needs besides it."""
    party, partner_id = _party(issued), issued["partner_id"]
    print(f'Partner {party} ({issued["role"]}) "{issued["name"]}": {partner_id}')
    if issued.get("replaces_partner_id"):
        print(
            f"It is registered again as a new partner; {issued['replaces_partner_id']} stays"
            " UNREGISTERED."
        )
    elif "issued_at" in issued:
        print("The token A issued before no longer works.")
    print()
    print(f"  versions URL  {versions_url}")
    print(f"  token A       {issued['token']}")
    print()
    print(
        "Hand both to the partner over a secure channel (not e-mail or chat in clear).\n"
        "This is the only time the token is shown: evroam keeps only its SHA-256.\n"
        "The partner calls the versions URL with `Authorization: Token <base64(token A)>`\n"
        "and registers (OCPI 2.2.1 credentials, section 2.3); then\n"
        f"`evroam partners show {partner_id}` says CONNECTED."
    )


def render_list(partners: list[dict[str, Any]]) -> None:
    header = ("partner_id", "name", "party", "role", "state", "pending", "dead")
    rows = [
        [
            p["partner_id"],
            p["name"],
            _party(p),
            p["role"],
            p["state"],
            str(p["pushes"]["pending"]),
            str(p["pushes"]["dead"]),
        ]
        for p in partners
    ]
    table(header, rows, "partner")


def _lines(pairs: list[tuple[str, Any]]) -> None:
    width = max(len(name) for name, _ in pairs)
    for name, value in pairs:
        if value is not None:
            print(f"{name:<{width}}  {value}")


def render_status(s: dict[str, Any]) -> None:
    pushes = s["pushes"]
    error = s.get("last_push_error")
    ocpi = s.get("ocpi_version") and f"{s['ocpi_version']} at {s['versions_url']}"
    _lines(
        [
            ("partner", s["partner_id"]),
            ("name", s["name"]),
            ("party", f"{_party(s)} ({s['role']})"),
            ("state", s["state"]),
            ("registered", s["registered_at"]),
            ("token A issued", s["token_a_issued_at"] if s["state"] == "REGISTERED" else None),
            ("handshake", s.get("handshake_at")),
            ("credentials updated", s.get("credentials_updated_at")),
            ("unregistered", s.get("unregistered_at")),
            ("OCPI", ocpi),
            ("pushes", f"{pushes['pending']} pending, {pushes['delivered']} delivered,"
             f" {pushes['dead']} dead"),
            ("last push error", error and _push_error(error)),
        ]
    )  # fmt: skip
    if s.get("endpoints"):
        print("\nendpoints it published:")
        for e in s["endpoints"]:
            print(f"  {e['identifier']:<16} {e['role']:<8} {e['url']}")
    if s.get("hub_clients") is not None:
        print(f"\nhub clients it reported ({len(s['hub_clients'])}):")
        for c in s["hub_clients"]:
            print(f"  {_party(c):<8} {c['role']:<5} {c['status']:<10} {c['last_updated']}")
    for hint in _hints(s):
        print(f"\n{hint}")


def _push_error(e: dict[str, Any]) -> str:
    return (
        f"push {e['push_id']} ({e['module']} {e['object_id']}, {e['state']} after"
        f" {e['attempts']} attempt{'s' if e['attempts'] != 1 else ''}): {e['error']}"
    )


def _hints(s: dict[str, Any]) -> list[str]:
    partner_id = s["partner_id"]
    hints = []
    if s["state"] == "REGISTERED":
        hints.append(
            "Waiting for the partner to register with its token A. Lost or leaked?"
            f" `evroam partners new-token {partner_id}` replaces it."
        )
    if s["state"] == "UNREGISTERED":
        hints.append(
            f"`evroam partners new-token {partner_id}` lets it register again, as a new partner."
        )
    if s["pushes"]["dead"]:
        hints.append(
            f"Dead pushes: `evroam partners pushes --dead --partner {partner_id}`, then"
            " `evroam partners replay <push_id>`."
        )
    return hints


def render_pushes(pushes: list[dict[str, Any]]) -> None:
    header = ("push_id", "partner_id", "module", "object_id", "state", "attempts", "last_error")
    rows = [
        [
            str(p["push_id"]),
            p["partner_id"],
            p["module"],
            p["object_id"],
            p["state"],
            str(p["attempts"]),
            _cut(p.get("last_error") or ""),
        ]
        for p in pushes
    ]
    table(header, rows, "push")


def _cut(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= ERROR_WIDTH else one_line[: ERROR_WIDTH - 3] + "..."
