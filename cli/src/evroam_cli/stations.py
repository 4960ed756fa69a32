"""`evroam stations ...`: stations of the gateway's registry, their EVSEs and their Basic-auth
passwords, through the gateway's admin API."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from evroam_cli.client import Platform
from evroam_cli.locations import (
    EPILOG,
    InputError,
    add_file,
    add_paging,
    read_body,
    render_one,
    render_table,
    subcommand,
)
from evroam_cli.station_commands import add_command_parser

EXAMPLES = """examples:
  evroam stations create --file cs-1.json
  evroam stations create --station-id CS-1 --location-id LOC-1       (no EVSEs yet)
  evroam stations put-evse CS-1 EVSE-1 --evse-id 'NL*EVR*E1*1' --connector 1 --connector 2
  evroam stations put-evse CS-1 EVSE-2 --file evse-2.json
  evroam stations remove-evse CS-1 EVSE-2
  evroam stations set-password CS-1 --profile 2                    (asks for it twice)
  openssl rand -hex 20 | evroam stations set-password CS-1 --profile 1 --password-stdin
  evroam stations list --location-id LOC-1

"""
COLUMNS = ("station_id", "location_id", "evses", "connectors", "security_profile")


def add_parser(sub: Any) -> None:
    """Add `stations` and its sub-commands to the `evroam` parser."""
    stations = sub.add_parser(
        "stations",
        help="register and change stations, their EVSEs and passwords (gateway registry)",
        description="Stations in evroam-gateway's registry: the OCPP identity, its location,"
        " its EVSEs and connectors (OCPI uids and eMI3 ids beside the OCPP numbers), and the"
        " Basic-auth password of OCPP security profiles 1 and 2.",
        epilog=EXAMPLES + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subs = stations.add_subparsers(dest="stations_command", required=True)
    create = subcommand(subs, "create", "register a new station", _create, _render_written)
    add_file(create, "station (station_id, location_id, evses)")
    create.add_argument("--station-id", help="its OCPP identity (overrides the file's)")
    create.add_argument("--location-id", help="its location (overrides the file's)")
    update = subcommand(
        subs, "update", "replace a station with the whole one given (PUT)", _update, _render_written
    )
    update.add_argument("station_id", help="the station's OCPP identity")
    add_file(update, "whole station")
    update.add_argument("--location-id", help="move it to this location (overrides the file's)")
    get = subcommand(subs, "get", "one station as the gateway knows it now", _get, _render)
    get.add_argument("station_id", help="the station's OCPP identity")
    listing = subcommand(subs, "list", "stations, ordered by id and paged", _list, _render_page)
    listing.add_argument("--location-id", help="only this location's")
    add_paging(listing)
    _evse_parsers(subs)
    _password_parser(subs)
    add_command_parser(subs)


def _evse_parsers(subs: Any) -> None:
    put = subcommand(
        subs,
        "put-evse",
        "add an EVSE to a station, or replace the one with this uid",
        _put_evse,
        _render_written,
    )
    put.add_argument("station_id", help="the station's OCPP identity")
    put.add_argument("evse_uid", help="the EVSE's uid (OCPI EVSE.uid)")
    add_file(put, "EVSE (evse_id, connectors, ...)")
    put.add_argument("--evse-id", help="eMI3 EVSE id of the location's operator: NL*EVR*E1*1")
    put.add_argument("--ocpp-evse-id", type=int, help="OCPP 2.0.1 EVSE number (default: position)")
    put.add_argument("--physical-reference", help="what is written on the EVSE")
    put.add_argument(
        "--connector",
        type=int,
        action="append",
        metavar="OCPP_CONNECTOR_ID",
        help="a connector with this OCPP number and the default type (Type 2 socket, AC 3"
        " phase, 22 kW); repeat for more; replaces the file's connectors",
    )
    remove = subcommand(
        subs, "remove-evse", "remove an EVSE from a station", _remove_evse, _render_written
    )
    remove.add_argument("station_id", help="the station's OCPP identity")
    remove.add_argument("evse_uid", help="the EVSE's uid")


def _password_parser(subs: Any) -> None:
    password = subcommand(
        subs,
        "set-password",
        "give a station a new Basic-auth password (16 to 40 characters); the old one stops"
        " working at once",
        _set_password,
        _render_password,
    )
    password.add_argument("station_id", help="the station's OCPP identity")
    password.add_argument(
        "--profile",
        type=int,
        choices=(1, 2),
        required=True,
        help="OCPP security profile: 1 Basic auth, 2 Basic auth over TLS only",
    )
    password.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking"
        " (never pass it as an argument: the process list shows arguments)",
    )


async def _create(p: Platform, args: argparse.Namespace) -> Any:
    body = read_body(args.file)
    given = {"station_id": args.station_id, "location_id": args.location_id}
    return await p.register_station(body | {k: v for k, v in given.items() if v})


async def _update(p: Platform, args: argparse.Namespace) -> Any:
    if args.file is None:
        raise InputError("update replaces the whole station: give it with --file")
    body = read_body(args.file) | {"station_id": args.station_id}
    if args.location_id:
        body["location_id"] = args.location_id
    return await p.replace_station(args.station_id, body)


async def _get(p: Platform, args: argparse.Namespace) -> Any:
    return await p.station(args.station_id)


async def _list(p: Platform, args: argparse.Namespace) -> Any:
    return await p.stations(location_id=args.location_id, limit=args.limit, offset=args.offset)


async def _put_evse(p: Platform, args: argparse.Namespace) -> Any:
    body = read_body(args.file)
    given = {
        "evse_id": args.evse_id,
        "ocpp_evse_id": args.ocpp_evse_id,
        "physical_reference": args.physical_reference,
    }
    body |= {k: v for k, v in given.items() if v is not None}
    if args.connector:
        body["connectors"] = [
            {"connector_id": str(n), "ocpp_connector_id": n} for n in args.connector
        ]
    return await p.put_evse(args.station_id, args.evse_uid, body)


async def _remove_evse(p: Platform, args: argparse.Namespace) -> Any:
    return await p.remove_evse(args.station_id, args.evse_uid)


def read_password(station_id: str, from_stdin: bool) -> str:
    """From standard input's first line, or asked twice without echo on the terminal."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("--password-stdin: standard input has no password")
        return password
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask for the password on: pipe it with --password-stdin")
    password = getpass.getpass(f"new password for station {station_id}: ")
    if getpass.getpass("the same again: ") != password:
        raise InputError("the two passwords differ; nothing was changed")
    return password


async def _set_password(p: Platform, args: argparse.Namespace) -> Any:
    password = read_password(args.station_id, args.password_stdin)
    await p.set_station_password(args.station_id, password, args.profile)
    return {"station_id": args.station_id, "security_profile": args.profile}


def _render_password(result: dict[str, Any]) -> None:
    tls = " and TLS (wss://)" if result["security_profile"] == 2 else ""
    print(
        f"password set for station {result['station_id']}: it must now connect with Basic"
        f" auth{tls}. Configure the same password on the station (OCPP 1.6 AuthorizationKey,"
        " 2.0.1 SecurityCtrlr.BasicAuthPassword)."
    )


def _summary(station: dict[str, Any]) -> dict[str, Any]:
    evses = station.get("evses") or []
    plugs = [str(c["ocpp_connector_id"]) for e in evses for c in e.get("connectors", [])]
    return station | {"evses": len(evses), "connectors": ",".join(plugs)}


def _render(station: dict[str, Any]) -> None:
    render_one({k: v for k, v in station.items() if k != "evses"})
    for n, evse in enumerate(station.get("evses") or [], 1):
        plugs = ", ".join(
            f"{c['ocpp_connector_id']} ({c.get('standard')} {c.get('power_type')}"
            f" {c.get('max_power_w')} W)"
            for c in evse.get("connectors", [])
        )
        number = evse.get("ocpp_evse_id") or n
        print(f"evse {evse['evse_uid']}  {evse['evse_id']}  ocpp evse {number}: {plugs}")


def _render_written(result: dict[str, Any]) -> None:
    _render(result["station"])
    print(f"version  {result['version']} (of the station's stream)")


def _render_page(page: tuple[list[dict[str, Any]], int]) -> None:
    render_table([_summary(s) for s in page[0]], COLUMNS, page[1])
