"""A CPO partner built from the third-party library extrawest-ocpi (`py_ocpi`, MIT), run by the
interop suite in its own environment like partner/emsp.py, never imported by the tests.

Its OCPI server is the library's own application with the library's CPO modules: versions,
version details, credentials, the Locations, Sessions, CDRs and Tariffs Senders (lists paged by
the library's `get_list`), the Tokens Receiver and the Commands Receiver (it answers the
CommandResponse, then POSTs the CommandResult to the response_url itself). This file gives it
storage (`Store`, the library's Crud interface) and, under `/driver`, the client steps a CPO
takes towards an eMSP (connection.py: registration; here: pushes with the library's own
`push_object`, real-time authorization), each checked with the library's models.

Three gaps of the library are bridged here in the open (tests/interop/README.md lists them):
- its `CdrLocation` has no `evse_uid` (required, section 3.3): `Adapter`, the library's hook for
  turning stored data into its models, extends its `Cdr` with it;
- its version details leave out the Commands Receiver the app mounts: added with the library's
  own endpoint generator;
- its `Link` names `https`, `VersionNumber.v_2_2_1` and `ModuleID.cdrs` (f-strings of its enums
  on Python 3.11+) and `date_from=None`: `LinkRepair` rewrites it into what the library meant
  while `STATE["repair_links"]` is true; `/driver/links` shows what the library wrote.

Environment: PARTNER_FD (a listening socket), OCPI_HOST, PROTOCOL, COUNTRY_CODE, PARTY_ID.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from connection import (  # type: ignore[import-not-found]  # beside this file
    ME,
    STATE,
    V221,
    Tokens,
    call,
    endpoint,
    outcome,
    registration,
    reported,
    serve,
)
from fastapi import Body
from py_ocpi import get_application  # type: ignore[import-not-found]  # own venv only
from py_ocpi.core.adapter import BaseAdapter  # type: ignore[import-not-found]
from py_ocpi.core.config import settings  # type: ignore[import-not-found]
from py_ocpi.core.data_types import CiString  # type: ignore[import-not-found]
from py_ocpi.core.dependencies import get_endpoints  # type: ignore[import-not-found]
from py_ocpi.core.endpoints.v_2_2_1.utils import (  # type: ignore[import-not-found]
    cpo_generator,
)
from py_ocpi.core.enums import Action, ModuleID, RoleEnum  # type: ignore[import-not-found]
from py_ocpi.core.push import push_object  # type: ignore[import-not-found]
from py_ocpi.core.schemas import Push  # type: ignore[import-not-found]
from py_ocpi.modules.cdrs.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    Cdr,
    CdrLocation,
)
from py_ocpi.modules.tokens.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    AuthorizationInfo,
    LocationReference,
)
from py_ocpi.modules.versions.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    InterfaceRole,
)


class CdrLocation221(CdrLocation):  # type: ignore[misc]
    evse_uid: CiString(36)  # type: ignore[valid-type]  # section 3.3: required


class Cdr221(Cdr):  # type: ignore[misc]
    cdr_location: CdrLocation221


class Adapter(BaseAdapter):  # type: ignore[misc]
    @classmethod
    def cdr_adapter(cls, data: dict[str, Any], version: Any = V221) -> Any:
        return Cdr221(**data)


MODELS = {  # the library's models of what a CPO owns, through its adapter
    "locations": Adapter.location_adapter,
    "sessions": Adapter.session_adapter,
    "cdrs": Adapter.cdr_adapter,
    "tariffs": Adapter.tariff_adapter,
}
STATE |= {"objects": {m: {} for m in MODELS}, "tokens": {}, "commands": [], "links": []}
STATE |= {"repair_links": True}


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Store:
    """The library's Crud interface, in memory: what we offer on our Senders, the tokens
    pushed to our Tokens Receiver, the commands we received."""

    @classmethod
    async def get(cls, module: Any, role: Any, id: Any, *args: Any, **kw: Any) -> Any:
        if module == ModuleID.tokens:
            return STATE["tokens"].get(_token_key(id, kw))
        if module == ModuleID.commands:  # the station's outcome, known at once here
            return {"result": "ACCEPTED"}
        return STATE["objects"][module.value].get(str(id).upper())

    @classmethod
    async def list(cls, module: Any, role: Any, filters: Any, *a: Any, **k: Any) -> Any:
        """Oldest first (section 1.8), within date_from (inclusive) and date_to (exclusive)."""
        since, until = filters["date_from"], filters["date_to"]
        ordered = sorted(
            STATE["objects"][module.value].values(), key=lambda o: (o["last_updated"], o["id"])
        )
        items = [
            o
            for o in ordered
            if (since is None or _instant(o["last_updated"]) >= since)
            and (until is None or _instant(o["last_updated"]) < until)
        ]
        start, end = filters["offset"], filters["offset"] + filters["limit"]
        return items[start:end], len(items), end >= len(items)

    @classmethod
    async def create(cls, module: Any, role: Any, data: Any, *args: Any, **kw: Any) -> Any:
        STATE["tokens"][_token_key(data["uid"], kw)] = data
        return data

    @classmethod
    async def update(cls, module: Any, role: Any, data: Any, id: Any, *a: Any, **kw: Any) -> Any:
        STATE["tokens"][_token_key(id, kw)] = data
        return data

    @classmethod
    async def do(cls, module: Any, role: Any, action: Any, *args: Any, **kw: Any) -> Any:
        if action == Action.get_client_token:  # what we present when posting a result
            return STATE["token_c"]
        if action == Action.send_command:
            STATE["commands"].append({"command": kw["command"].value, "body": args[0]})
            return {"result": "ACCEPTED", "timeout": 30}
        return None


def _token_key(uid: Any, kw: dict[str, Any]) -> str:
    """The library passes `token_type` from its own query parameter of that name (OCPI says
    `type`), so every token pushed to it arrives as RFID."""
    parts = (kw["country_code"], kw["party_id"], uid, kw["token_type"].value)
    return "/".join(str(p).upper() for p in parts)


class LinkRepair:
    """ASGI middleware: the library's `Link`, rewritten into what it meant (module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, repaired(v.decode()).encode() if k.lower() == b"link" else v)
                    for k, v in message["headers"]
                ]
            await send(message)

        await self.app(scope, receive, sending if scope["type"] == "http" else send)


def repaired(link: str) -> str:
    if link:
        STATE["links"].append(link)
    found = re.fullmatch(r"<([^>]*)>(.*)", link)
    if not STATE["repair_links"] or found is None:
        return link
    url = urlsplit(found.group(1))
    path = url.path.replace(f"{V221}", V221.value)
    for module in ModuleID:
        path = path.replace(f"/{module}/", f"/{module.value}/")
    query = urlencode([(k, v) for k, v in parse_qsl(url.query) if v != "None"])
    fixed = urlunsplit((settings.PROTOCOL, url.netloc, path, query, ""))
    return f"<{fixed}>{found.group(2)}"


driver = registration(RoleEnum.cpo, "Interop CPO")


@driver.post("/objects/{module}")
@reported
async def offer(module: str, objects: Annotated[list[dict[str, Any]], Body()]) -> dict[str, Any]:
    """Objects for our Senders (and pushes), each validated with the library's model."""
    for data in objects:
        parsed = MODELS[module](data)
        STATE["objects"][module][str(parsed.id).upper()] = parsed.dict()
    return {"offered": sorted(STATE["objects"][module])}


@driver.post("/push/{module}/{object_id}")
@reported
async def push(module: str, object_id: str) -> dict[str, Any]:
    """The library's own push (core.push): it reads our version details, finds our Receiver
    and PUTs the Location or Session at `{url}{cc}/{pid}/{id}`, or POSTs the CDR."""
    receiver = {"endpoints_url": STATE["details_url"], "auth_token": STATE["token_c"]}
    order = Push(module_id=ModuleID(module), object_id=object_id, receivers=[receiver])
    result = await push_object(V221, order, Store, Adapter)
    return dict(result.dict()["receiver_responses"][0])


@driver.get("/received/{module}/{object_id}")
@reported
async def read_back(module: str, object_id: str) -> dict[str, Any]:
    """GET what our Receiver holds (section 3: `{url}/{cc}/{pid}/{id}`), as the library's model."""
    url = f"{endpoint(module, 'RECEIVER').rstrip('/')}/{ME['country_code']}/{ME['party_id']}"
    response, answer = await call("GET", f"{url}/{object_id}", routed=True)
    found = MODELS[module](answer.data).dict() if answer.status_code == 1000 else None
    return outcome(response, answer) | {"object": found}


@driver.get("/tokens")
async def tokens() -> dict[str, Any]:
    """The tokens our service pushed to the library's Tokens Receiver, as the library stored
    them, keyed `CC/PID/UID/TYPE` as the library's routes saw them."""
    return {"tokens": STATE["tokens"]}


@driver.post("/authorize/{uid}")
@reported
async def authorize(uid: str, location: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Section 6.1: POST `{tokens}/{uid}/authorize?type=RFID` at our Tokens Sender with a
    LocationReferences built with the library's model; a 1000 answer must be its
    AuthorizationInfo."""
    url = f"{endpoint('tokens', 'SENDER').rstrip('/')}/{uid}/authorize?type=RFID"
    body = LocationReference(**location).dict()
    response, answer = await call("POST", url, routed=True, json=body)
    info = AuthorizationInfo.parse_obj(answer.data).dict() if answer.status_code == 1000 else None
    return outcome(response, answer) | {"info": info}


@driver.get("/commands")
async def commands() -> dict[str, Any]:
    return {"commands": STATE["commands"]}


@driver.put("/links")
async def links(repair: Annotated[bool, Body(embed=True)]) -> dict[str, Any]:
    STATE["repair_links"] = repair
    return {"links": STATE["links"]}


@driver.get("/links")
async def written_links() -> dict[str, Any]:
    return {"links": STATE["links"]}


def main() -> None:
    app = get_application(
        version_numbers=[V221],
        roles=[RoleEnum.cpo],
        crud=Store,
        modules=[
            ModuleID.credentials_and_registration,
            ModuleID.locations,
            ModuleID.sessions,
            ModuleID.cdrs,
            ModuleID.tariffs,
            ModuleID.tokens,
            ModuleID.commands,
        ],
        authenticator=Tokens,
        adapter=Adapter,
    )
    # The app mounts the Commands Receiver; its version details must say so (see above).
    commands_receiver = cpo_generator.generate_endpoint(ModuleID.commands, InterfaceRole.receiver)
    app.dependency_overrides[get_endpoints]()[V221].append(commands_receiver)
    app.include_router(driver)
    serve(LinkRepair(app))


if __name__ == "__main__":
    main()
