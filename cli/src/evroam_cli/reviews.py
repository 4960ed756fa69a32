"""`evroam cdrs ...`: the CDR review queue of the CDR service, through its admin API. A CDR
that failed reconciliation is held until someone releases (perhaps corrected) or rejects it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from evroam_cli.endpoints import Endpoints
from evroam_cli.tables import table

STATUSES = ("HELD", "RELEASED", "REJECTED", "SUPERSEDED")
COLUMNS = ("cdr_id", "session_id", "held_at", "total", "reasons")
EPILOG = """exit status: 0 done; 1 the CDR service refused (unknown or decided review, reasons
still failing, a correction not allowed, admin token refused); 2 it cannot be reached."""
EXAMPLES = """examples:
  evroam cdrs reviews
  evroam cdrs review 21436e13-60fe-5786-ab2b-ebc015769fdc
  evroam cdrs release 21436e13-... --reviewer ops@cpo.example --accept ENERGY_METER_MISMATCH \\
      --note "meter swapped on site"
  evroam cdrs release 21436e13-... --reviewer ops@cpo.example --corrections fix.json
  evroam cdrs reject 21436e13-... --reviewer ops@cpo.example --reason "test session"

"""


def add_parser(sub: Any) -> None:
    cdrs = sub.add_parser(
        "cdrs",
        help="CDRs held for review: list, inspect, release or reject them",
        description=__doc__,
        epilog=EXAMPLES + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = cdrs.add_subparsers(dest="cdrs_command", required=True)
    listing = commands.add_parser("reviews", help="the reviews, oldest first (HELD by default)")
    listing.add_argument("--status", choices=STATUSES, default="HELD")
    listing.add_argument("--session-id", help="only the reviews of this session")
    one = commands.add_parser("review", help="one review: the CDR, its reasons, the evidence")
    one.add_argument("cdr_id")
    release = commands.add_parser(
        "release", help="issue a held CDR, corrected or not; what still fails must be accepted"
    )
    release.add_argument("cdr_id")
    release.add_argument("--reviewer", required=True, help="who decides (kept with the CDR)")
    release.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="CODE",
        help="a reason code accepted as it is (repeat for several)",
    )
    release.add_argument("--note", help="why, for the next person who looks")
    release.add_argument(
        "--corrections",
        type=Path,
        help="a JSON file of CDR fields to replace (OCPI JSON); costs follow the periods",
    )
    reject = commands.add_parser("reject", help="never issue this CDR")
    reject.add_argument("cdr_id")
    reject.add_argument("--reviewer", required=True)
    reject.add_argument("--reason", required=True)
    for parser in (listing, one, release, reject):
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _request(args: argparse.Namespace) -> tuple[str, str, Any, dict[str, str]]:
    """Method, path, body and query of the command."""
    command = args.cdrs_command
    if command == "reviews":
        query = {"status": args.status}
        if args.session_id:
            query["session_id"] = args.session_id
        return "GET", "/reviews", None, query
    if command == "review":
        return "GET", f"/reviews/{args.cdr_id}", None, {}
    if command == "release":
        corrections = json.loads(args.corrections.read_text()) if args.corrections else None
        body = {
            "reviewer": args.reviewer,
            "accept": args.accept,
            "note": args.note,
            "corrections": corrections,
        }
        return "POST", f"/reviews/{args.cdr_id}/release", body, {}
    body = {"reviewer": args.reviewer, "reason": args.reason}
    return "POST", f"/reviews/{args.cdr_id}/reject", body, {}


def _explain(response: httpx.Response) -> str:
    body = response.json() if response.headers.get("content-type") == "application/json" else {}
    if response.status_code == 401:
        return "the admin token was refused: check admin_token in the endpoints file"
    reasons = body.get("reasons") if isinstance(body, dict) else None
    detail = body.get("detail", response.text) if isinstance(body, dict) else response.text
    if reasons:
        lines = "\n".join(f"  {r['code']}: {r['message']}" for r in reasons)
        return f"{detail}\n{lines}"
    return f"the CDR service answered HTTP {response.status_code}: {detail}"


def render(command: str, result: Any) -> None:
    if command == "reviews":
        rows = [
            [
                r["cdr_id"],
                r["session_id"],
                str(r["held_at"]),
                f"{(r['total_cost'] or {}).get('excl_vat')} {r['currency']}",
                ",".join(r["reason_codes"]),
            ]
            for r in result
        ]
        table(COLUMNS, rows, "review")
    elif command == "review":
        print(f"CDR {result['cdr_id']} of session {result['session_id']}: {result['status']}")
        for reason in result["reasons"]:
            print(f"  {reason['code']}: {reason['message']}")
        facts = result["facts"]
        print(f"meter {facts['meter_start_wh']} -> {facts['meter_stop_wh']} Wh")
        print(f"CDR total_energy {result['cdr']['total_energy']} kWh,")
        print(f"    total_cost {json.dumps(result['cdr']['total_cost'])}")
    else:
        issued = [c["id"] for c in result["issued"]]
        print(
            f"{' + '.join(result['events'])}" + (f": issued {', '.join(issued)}" if issued else "")
        )


async def _call(endpoints: Endpoints, args: argparse.Namespace) -> httpx.Response:
    method, path, body, query = _request(args)
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.request(
            method,
            endpoints.http["cdr"].rstrip("/") + path,
            json=body,
            params=query,
            headers={"Authorization": f"Bearer {endpoints.admin_token}"},
        )


def run(args: argparse.Namespace, endpoints: Endpoints) -> int:
    try:
        response = asyncio.run(_call(endpoints, args))
    except httpx.HTTPError as exc:
        url = endpoints.http.get("cdr", "(no cdr url)")
        print(
            f"evroam: evroam-cdr does not answer at {url} ({type(exc).__name__}); "
            "is the platform running? Start it with `make run`",
            file=sys.stderr,
        )
        return 2
    if response.status_code >= 400:
        print(f"evroam: {_explain(response)}", file=sys.stderr)
        return 1
    result = response.json()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        render(args.cdrs_command, result)
    return 0
