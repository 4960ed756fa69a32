"""`evroam tokens ...`: our own tokens in the authorization service, through its admin API."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from evroam_cli.client import ApiError, Platform
from evroam_cli.endpoints import Endpoints
from evroam_cli.tables import table

TOKEN_TYPES = ("RFID", "APP_USER", "AD_HOC_USER", "OTHER")
WHITELISTS = ("ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER")
PROFILES = ("CHEAP", "FAST", "GREEN", "REGULAR")
COLUMNS = ("country_code", "party_id", "uid", "type", "contract_id", "valid", "whitelist", "source")
# option -> token field, for the fields `put` and `patch` share
FIELDS = {
    "contract_id": "eMI3 contract id with its check digit, e.g. DE-8AA-CA2B3C4D5-L",
    "issuer": "company that issued the token (at most 64 characters)",
    "visual_number": "number printed on the token",
    "group_id": "tokens of one group act as one (OCPP parentIdTag)",
    "language": "driver's language, 2 letters (ISO 639-1)",
    "last_updated": "ISO 8601 time of the change (default: now)",
}
EPILOG = """exit status: 0 done; 1 the service refused (unknown token, invalid fields, admin
token refused); 2 the platform cannot be reached. Reads show a write a moment after it."""
EXAMPLES = """examples:
  evroam tokens put NL EVR 04A1B2C3D4 --contract-id DE-8AA-CA2B3C4D5-L --issuer "EVR Mobility"
  evroam tokens block NL EVR 04A1B2C3D4
  evroam tokens patch NL EVR 04A1B2C3D4 --group-id FLEET-1 --whitelist ALLOWED_OFFLINE
  evroam tokens list --party-id EVR --valid false --json

"""

Command = Callable[[Platform, argparse.Namespace], Awaitable[Any]]


def _key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("country_code", help="country code of the eMSP that owns it (NL)")
    parser.add_argument("party_id", help="party id of that eMSP (EVR)")
    parser.add_argument("uid", help="the token's uid, e.g. the RFID card's UID")
    parser.add_argument(
        "--type", default="RFID", choices=TOKEN_TYPES, help="OCPI token type (default RFID)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _fields(parser: argparse.ArgumentParser, required: tuple[str, ...] = ()) -> None:
    for name, text in FIELDS.items():
        option = "--" + name.replace("_", "-")
        parser.add_argument(option, dest=name, required=name in required, help=text)
    parser.add_argument("--whitelist", choices=WHITELISTS, help="OCPI WhitelistType")
    parser.add_argument("--default-profile-type", choices=PROFILES, help="charging preference")


def _sub(
    subs: Any, name: str, text: str, command: Command, epilog: str = EPILOG
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subs.add_parser(
        name, help=text, description=text, epilog=epilog
    )
    parser.set_defaults(tokens_run=command)
    return parser


def add_parser(sub: Any) -> None:
    """Add `tokens` and its sub-commands to the `evroam` parser."""
    tokens = sub.add_parser(
        "tokens",
        help="register, change, block and read our own tokens (authorization service)",
        description="Our own tokens (OCPI 2.2.1 Token objects) in evroam-authorization.",
        epilog=EXAMPLES + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs = tokens.add_subparsers(dest="tokens_command", required=True)
    put = _sub(subs, "put", "create or replace one of our tokens (a full OCPI Token)", _put)
    _key(put)
    _fields(put, required=("contract_id", "issuer"))
    put.add_argument(
        "--valid", choices=("true", "false"), default="true", help="may it charge (default true)"
    )
    patch = _sub(subs, "patch", "change some fields of one of our tokens", _patch)
    _key(patch)
    _fields(patch)
    patch.add_argument("--valid", choices=("true", "false"), help="may it charge")
    _key(_sub(subs, "get", "one token as the service knows it now", _get))
    _key(_sub(subs, "block", "set valid=false: the token may no longer charge", _block))
    _key(_sub(subs, "unblock", "set valid=true: the token may charge again", _unblock))
    listing = _sub(subs, "list", "tokens, own and roaming, filtered and paged", _list)
    listing.add_argument("--country-code", help="owner's country code")
    listing.add_argument("--party-id", help="owner's party id")
    listing.add_argument("--contract-id", help="contract id (case and '-' do not matter)")
    listing.add_argument("--valid", choices=("true", "false"), help="only valid or invalid ones")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument("--offset", type=int, default=0, help="skip this many first")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    names = (*FIELDS, "whitelist", "default_profile_type")
    changes = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.valid is not None:
        changes["valid"] = args.valid == "true"
    return changes


def _key_of(args: argparse.Namespace) -> tuple[str, str, str]:
    return args.country_code, args.party_id, args.uid


async def _put(p: Platform, args: argparse.Namespace) -> Any:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = {
        "country_code": args.country_code,
        "party_id": args.party_id,
        "uid": args.uid,
        "type": args.type,
        "whitelist": "ALLOWED",
        "last_updated": now,
    } | _changes(args)
    return await p.register_token(token)


async def _patch(p: Platform, args: argparse.Namespace) -> Any:
    return await p.patch_token(_key_of(args), args.type, _changes(args))


async def _block(p: Platform, args: argparse.Namespace) -> Any:
    return await p.patch_token(_key_of(args), args.type, {"valid": False})


async def _unblock(p: Platform, args: argparse.Namespace) -> Any:
    return await p.patch_token(_key_of(args), args.type, {"valid": True})


async def _get(p: Platform, args: argparse.Namespace) -> Any:
    return await p.token(_key_of(args), args.type)


async def _list(p: Platform, args: argparse.Namespace) -> Any:
    valid = None if args.valid is None else args.valid == "true"
    return await p.tokens(
        country_code=args.country_code,
        party_id=args.party_id,
        contract_id=args.contract_id,
        valid=valid,
        limit=args.limit,
        offset=args.offset,
    )


def explain(exc: ApiError, args: argparse.Namespace) -> str:
    """What went wrong, in the words of the command line."""
    if exc.status == 401:
        return "the admin token was refused: check admin_token in the endpoints file"
    if exc.status == 404:
        key = "*".join(_key_of(args))
        return f"no token {key} of type {args.type} (a new one shows a moment after its put)"
    if exc.status == 422 and isinstance(exc.detail, list):
        lines = [
            f"  {e.get('loc', ['?'])[-1]}: {e.get('msg', e)}"
            for e in exc.detail
            if isinstance(e, dict)
        ]
        return "the token was refused; fields at fault:\n" + "\n".join(lines)
    return f"the authorization service answered HTTP {exc.status}: {exc.detail}"


def render(result: Any) -> None:
    """A list as a table; one token (or a write's answer) as `field  value` lines."""
    if isinstance(result, list):
        rows = [[str(t.get(c, "")) for c in COLUMNS] for t in result]
        table(COLUMNS, rows, "token")
        return
    token = result.get("token", result)
    width = max(len(k) for k in token)
    for name, value in token.items():
        if value is not None:
            shown = json.dumps(value) if isinstance(value, dict) else value
            print(f"{name:<{width}}  {shown}")
    if "version" in result:
        print(f"{'version':<{width}}  {result['version']} (of the token's stream)")


async def _call(endpoints: Endpoints, args: argparse.Namespace) -> Any:
    async with httpx.AsyncClient(timeout=10) as http:
        return await args.tokens_run(Platform(endpoints, http), args)


def run(args: argparse.Namespace, endpoints: Endpoints) -> int:
    try:
        result = asyncio.run(_call(endpoints, args))
    except ApiError as exc:
        print(f"evroam: {explain(exc, args)}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        url = endpoints.http.get("authorization", "(no authorization url)")
        print(
            f"evroam: evroam-authorization does not answer at {url} ({type(exc).__name__}); "
            "is the platform running? Start it with `make run`",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        render(result)
    return 0
