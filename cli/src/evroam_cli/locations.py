"""`evroam locations ...`: the gateway's location registry, through its admin API; and what
`evroam stations` shares with it (bodies from files, running a command, saying what went
wrong)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from evroam_cli.client import ApiError, Platform
from evroam_cli.endpoints import Endpoints
from evroam_cli.tables import print_rows

EPILOG = """exit status: 0 done; 1 the gateway refused (invalid fields, unknown id, an id
registered with other values, admin token refused); 2 the gateway cannot be reached, or the
command line or its --file cannot be used. Reads show a write a moment after it."""
EXAMPLES = """examples:
  evroam locations create --file depot.json
  evroam locations create --location-id LOC-1 --address "Stationsplein 1" --city Amsterdam \\
      --country NLD --latitude 52.378900 --longitude 4.900200 --time-zone Europe/Amsterdam \\
      --country-code NL --party-id EVR
  evroam locations update LOC-1 --name "Central depot"       (PATCH: only what is given)
  evroam locations update LOC-1 --file depot.json            (PUT: the whole location)
  evroam locations list --party-id EVR --json

"""
# option -> location field
FIELDS = {
    "name": "display name",
    "address": "street and number (at most 45 characters)",
    "city": "city or town",
    "postal_code": "postal code",
    "country": "ISO 3166-1 alpha-3 country code, e.g. NLD",
    "time_zone": "IANA time zone, e.g. Europe/Amsterdam",
    "country_code": "the operator's ISO 3166-1 alpha-2 country code, e.g. NL",
    "party_id": "the operator's party id, e.g. EVR (EVSE ids start with NL*EVR)",
    "operator_name": "the operator's name",
}
COLUMNS = ("location_id", "name", "city", "country_code", "party_id", "time_zone")
Command = Callable[[Platform, argparse.Namespace], Awaitable[Any]]


class InputError(ValueError):
    """The command line or its input file cannot be used; the message says why."""


def read_body(path: str | None) -> dict[str, Any]:
    """The JSON object in `path` (`-`: standard input); {} without a file."""
    if path is None:
        return {}
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold one JSON object")
    return data


def subcommand(
    subs: Any, name: str, text: str, command: Command, render: Callable[[Any], None]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subs.add_parser(
        name, help=text, description=text, epilog=EPILOG
    )
    parser.set_defaults(registry_run=command, registry_render=render)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def add_file(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--file", metavar="PATH", help=f"a JSON file with the {what} ('-': standard input)"
    )


def add_paging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many first")


def add_parser(sub: Any) -> None:
    """Add `locations` and its sub-commands to the `evroam` parser."""
    locations = sub.add_parser(
        "locations",
        help="register, change and read locations (gateway registry)",
        description="Locations in evroam-gateway's registry (OCPI 2.2.1 Location fields).",
        epilog=EXAMPLES + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs = locations.add_subparsers(dest="locations_command", required=True)
    create = subcommand(subs, "create", "register a new location", _create, render_written)
    add_file(create, "location")
    create.add_argument("--location-id", help="the location's id (overrides the file's)")
    _fields(create)
    update = subcommand(
        subs,
        "update",
        "change a location: with --file, replace it (PUT); with field options only, change"
        " just those (PATCH)",
        _update,
        render_written,
    )
    update.add_argument("location_id", help="the location's id")
    add_file(update, "whole location")
    _fields(update)
    get = subcommand(subs, "get", "one location as the gateway knows it now", _get, render_one)
    get.add_argument("location_id", help="the location's id")
    listing = subcommand(subs, "list", "locations, ordered by id and paged", _list, render_page)
    listing.add_argument("--country-code", help="only this operator country's")
    listing.add_argument("--party-id", help="only this operator's")
    add_paging(listing)


def _fields(parser: argparse.ArgumentParser) -> None:
    for name, text in FIELDS.items():
        parser.add_argument("--" + name.replace("_", "-"), dest=name, help=text)
    parser.add_argument("--latitude", help="decimal degrees, 5 to 7 decimals, e.g. 52.378900")
    parser.add_argument("--longitude", help="decimal degrees, 5 to 7 decimals, e.g. 4.900200")


def _given(args: argparse.Namespace, base: dict[str, Any]) -> dict[str, Any]:
    """The field options given, over `base` (coordinates merge with the base's)."""
    fields = {n: getattr(args, n) for n in FIELDS if getattr(args, n) is not None}
    where = {k: getattr(args, k) for k in ("latitude", "longitude") if getattr(args, k)}
    if where:
        fields["coordinates"] = dict(base.get("coordinates") or {}) | where
    return base | fields


async def _create(p: Platform, args: argparse.Namespace) -> Any:
    body = _given(args, read_body(args.file))
    if args.location_id:
        body["location_id"] = args.location_id
    return await p.register_location(body)


async def _update(p: Platform, args: argparse.Namespace) -> Any:
    if args.file is not None:
        body = _given(args, read_body(args.file))
        return await p.replace_location(args.location_id, body | {"location_id": args.location_id})
    changes = _given(args, {})
    if not changes:
        raise InputError("nothing to change: give --file or one of the field options")
    return await p.patch_location(args.location_id, changes)


async def _get(p: Platform, args: argparse.Namespace) -> Any:
    return await p.location(args.location_id)


async def _list(p: Platform, args: argparse.Namespace) -> Any:
    return await p.locations(
        country_code=args.country_code, party_id=args.party_id, limit=args.limit, offset=args.offset
    )


def explain(exc: ApiError) -> str:
    """What went wrong, in the words of the command line."""
    if exc.status == 401:
        return "the admin token was refused: check admin_token in the endpoints file"
    if exc.status == 422 and isinstance(exc.detail, list):
        lines = [
            f"  {'.'.join(str(p) for p in e.get('loc', ['?'])[1:]) or 'body'}: {e.get('msg', e)}"
            for e in exc.detail
            if isinstance(e, dict)
        ]
        return "refused; fields at fault:\n" + "\n".join(lines)
    if exc.status == 404:
        return f"{exc.detail} (a new one shows in reads a moment after its create)"
    if exc.status == 409:
        return str(exc.detail)
    return f"the gateway answered HTTP {exc.status}: {exc.detail}"


def render_one(item: dict[str, Any]) -> None:
    width = max(len(k) for k in item)
    for name, value in item.items():
        if value is not None:
            shown = json.dumps(value) if isinstance(value, dict | list) else value
            print(f"{name:<{width}}  {shown}")


def render_written(result: dict[str, Any]) -> None:
    render_one(result.get("location") or result.get("station") or result)
    print(f"version  {result.get('version')} (of its stream)")


def render_table(rows: list[dict[str, Any]], columns: tuple[str, ...], total: int) -> None:
    print_rows(columns, [["" if r.get(c) is None else str(r[c]) for c in columns] for r in rows])
    print(f"({len(rows)} of {total})")


def render_page(page: tuple[list[dict[str, Any]], int]) -> None:
    render_table(page[0], COLUMNS, page[1])


def as_json(result: Any) -> Any:
    """A page prints as its list, like `evroam tokens list --json`."""
    return result[0] if isinstance(result, tuple) else result


async def _call(endpoints: Endpoints, args: argparse.Namespace) -> Any:
    async with httpx.AsyncClient(timeout=10) as http:
        return await args.registry_run(Platform(endpoints, http), args)


def run(args: argparse.Namespace, endpoints: Endpoints) -> int:
    """Run a `locations` or `stations` sub-command and print its answer."""
    try:
        result = asyncio.run(_call(endpoints, args))
    except InputError as exc:
        print(f"evroam: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"evroam: {explain(exc)}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        url = endpoints.http.get("gateway", "(no gateway url)")
        print(
            f"evroam: evroam-gateway does not answer at {url} ({type(exc).__name__}); "
            "is the platform running? Start it with `make run`",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(as_json(result), indent=2))
    else:
        args.registry_render(result)
    return 0
