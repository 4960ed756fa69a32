"""`evroam partners ...`: roaming partner platforms and the pushes to them, through the admin
API of evroam-roaming."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote

import httpx

from evroam_cli.endpoints import Endpoints
from evroam_cli.partner_views import render_issued, render_list, render_pushes, render_status
from evroam_contracts.roaming import Role

DESCRIPTION = """Roaming partner platforms (OCPI 2.2.1) and the pushes to them, through the admin
API of evroam-roaming. A partner is admitted with a token A (state REGISTERED), which it
presents to complete the credentials handshake (CONNECTED); it may unregister later
(UNREGISTERED). Tokens and their hashes are never shown, except a new token A, once."""
EPILOG = """exit status: 0 done; 1 evroam-roaming refused (unknown partner or push, party
already registered, partner already connected, invalid fields, admin token refused); 2 the
platform cannot be reached (no endpoints file, evroam-roaming not answering).
The roaming URL and admin token come from the endpoints file `make run` writes
(`evroam --endpoints FILE partners ...` for another one). Lists show a change a moment
after it is made."""
EXAMPLES = """examples:
  evroam partners add "ABC Mobility" --country NL --party ABC --role EMSP
  evroam partners list --all
  evroam partners show 0193a2f4-5c1d-7e0b-8a52-6f1e2d3c4b5a --json
  evroam partners new-token 0193a2f4-5c1d-7e0b-8a52-6f1e2d3c4b5a
  evroam partners pushes --dead --partner 0193a2f4-5c1d-7e0b-8a52-6f1e2d3c4b5a
  evroam partners replay 42

"""
ID = "0193a2f4-5c1d-7e0b-8a52-6f1e2d3c4b5a"
ID_HELP = "the partner's id (`evroam partners list --all` shows them)"
EXAMPLE_ADD = 'evroam partners add "ABC Mobility" --country NL --party ABC --role EMSP'
Request = tuple[str, str, Any, dict[str, str]]  # method, path, JSON body, query


def _sub(
    subs: Any, name: str, text: str, request: Callable[[argparse.Namespace], Request], example: str
) -> Any:
    parser = subs.add_parser(
        name,
        help=text,
        description=text,
        epilog=f"example:\n  {example}\n\n{EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(partners_request=request)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def add_parser(sub: Any) -> None:
    """Add `partners` and its sub-commands to the `evroam` parser."""
    partners = sub.add_parser(
        "partners",
        help="roaming partners: admit one (token A), list, show status, pushes and replays",
        description=DESCRIPTION,
        epilog=EXAMPLES + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs = partners.add_subparsers(dest="partners_command", required=True)
    add = _sub(subs, "add", "admit a partner platform; prints its token A, once", _add, EXAMPLE_ADD)
    add.add_argument("name", help="the partner's business name (at most 100 characters)")
    add.add_argument("--country", required=True, type=str.upper, help="its country code (NL)")
    add.add_argument("--party", required=True, type=str.upper, help="its party id (ABC)")
    add.add_argument(
        "--role", required=True, type=str.upper, choices=get_args(Role), help="its OCPI role"
    )
    text = "partners registered now, with their state and push counts"
    listing = _sub(subs, "list", text, _list, "evroam partners list --all --json")
    listing.add_argument("--all", action="store_true", help="also partners that unregistered")
    text = "one partner's status: state, OCPI version and endpoints, pushes, hub clients"
    show = _sub(subs, "show", text, _show, f"evroam partners show {ID}")
    show.add_argument("partner_id", help=ID_HELP)
    token = _sub(
        subs,
        "new-token",
        "a new token A for a partner not CONNECTED: the old token stops working; an"
        " unregistered partner comes back as a new partner; prints the token once",
        _new_token,
        f"evroam partners new-token {ID}",
    )
    token.add_argument("partner_id", help=ID_HELP)
    example = f"evroam partners pushes --dead --partner {ID}"
    pushes = _sub(subs, "pushes", "pushes to partners, oldest first", _pushes, example)
    state = pushes.add_mutually_exclusive_group()
    state.add_argument("--dead", action="store_true", help="only the dead-lettered ones")
    state.add_argument("--state", choices=("PENDING", "DELIVERED", "DEAD"))
    pushes.add_argument("--partner", help="only the pushes to this partner id")
    pushes.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    text = "send a dead-lettered push again, its attempts counted from zero"
    replay = _sub(subs, "replay", text, _replay, "evroam partners replay 42")
    replay.add_argument("push_id", type=int, help="from `evroam partners pushes --dead`")


def _path(*parts: str) -> str:
    return "/admin/" + "/".join(quote(p, safe="") for p in parts)


def _add(args: argparse.Namespace) -> Request:
    body = {"name": args.name, "country_code": args.country, "party_id": args.party}
    return "POST", _path("partners"), body | {"role": args.role}, {}


def _list(args: argparse.Namespace) -> Request:
    return "GET", _path("partners"), None, {"include_unregistered": "true"} if args.all else {}


def _show(args: argparse.Namespace) -> Request:
    return "GET", _path("partners", args.partner_id), None, {}


def _new_token(args: argparse.Namespace) -> Request:
    return "POST", _path("partners", args.partner_id, "token"), None, {}


def _pushes(args: argparse.Namespace) -> Request:
    query = {"limit": str(args.limit)}
    if args.dead or args.state:
        query["state"] = "DEAD" if args.dead else args.state
    if args.partner:
        query["partner_id"] = args.partner
    return "GET", _path("pushes"), None, query


def _replay(args: argparse.Namespace) -> Request:
    return "POST", _path("pushes", str(args.push_id), "replay"), None, {}


def versions_url(endpoints_file: Path, roaming_url: str) -> str:
    """Where partners start: `ocpi_versions_url` of the endpoints file when it has one (the
    public URL may differ from the admin one), else the roaming service's /ocpi/versions."""
    try:
        written = json.loads(endpoints_file.read_text()).get("ocpi_versions_url")
    except (OSError, ValueError, AttributeError):
        written = None
    return str(written) if written else f"{roaming_url.rstrip('/')}/ocpi/versions"


def explain(response: httpx.Response, args: argparse.Namespace) -> str:
    """What went wrong, in the words of the command line."""
    try:
        detail: Any = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    command, status = args.partners_command, response.status_code
    if status == 401:
        return "the admin token was refused: check admin_token in the endpoints file"
    if status == 404 and command == "replay":
        return f"{detail}: only DEAD pushes can be replayed (`evroam partners pushes --dead`)"
    if status == 404:
        return f"{detail}: `evroam partners list --all` shows every partner id"
    if status == 409 and command == "add":
        return f"{detail}: `evroam partners list` shows it"
    if status == 409:
        return str(detail)
    if status == 422 and isinstance(detail, list):
        lines = [
            f"  {'.'.join(str(x) for x in e.get('loc', ['?'])[1:])}: {e.get('msg', e)}"
            for e in detail
            if isinstance(e, dict)
        ]
        return "refused; fields at fault:\n" + "\n".join(lines)
    return f"evroam-roaming answered HTTP {status}: {detail}"


async def _call(roaming_url: str, admin_token: str, request: Request) -> httpx.Response:
    method, path, body, query = request
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.request(
            method,
            roaming_url.rstrip("/") + path,
            json=body,
            params=query,
            headers={"Authorization": f"Bearer {admin_token}"},
        )


def render(args: argparse.Namespace, result: Any, roaming_url: str) -> None:
    command = args.partners_command
    if command in ("add", "new-token"):
        render_issued(result, versions_url(args.endpoints, roaming_url))
    elif command == "list":
        render_list(result)
    elif command == "show":
        render_status(result)
    elif command == "pushes":
        render_pushes(result)
    else:
        print(
            f"push {result['push_id']} is queued again ({result['state']}), its attempts"
            " counted from zero: `evroam partners pushes` shows how it goes"
        )


def run(args: argparse.Namespace, endpoints: Endpoints) -> int:
    roaming_url = endpoints.http.get("roaming")
    if not roaming_url:
        print("evroam: the endpoints file has no roaming service URL", file=sys.stderr)
        return 2
    try:
        response = asyncio.run(
            _call(roaming_url, endpoints.admin_token, args.partners_request(args))
        )
    except httpx.HTTPError as exc:
        print(
            f"evroam: evroam-roaming does not answer at {roaming_url} ({type(exc).__name__});"
            " is the platform running? Start it with `make run`",
            file=sys.stderr,
        )
        return 2
    if response.status_code >= 400:
        print(f"evroam: {explain(response, args)}", file=sys.stderr)
        return 1
    result = response.json()
    if args.json:
        if args.partners_command in ("add", "new-token"):
            result["versions_url"] = versions_url(args.endpoints, roaming_url)
        print(json.dumps(result, indent=2))
    else:
        render(args, result, roaming_url)
    return 0
