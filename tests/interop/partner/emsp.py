"""An eMSP partner built from the third-party library extrawest-ocpi (`py_ocpi`, MIT), run by
the interop suite in its own environment (requirements.txt: pydantic 1, FastAPI 0.101), never
imported by the tests.

Its OCPI server is the library's own application (`py_ocpi.get_application`): versions, version
details, credentials, the Tokens Sender (list and real-time `authorize`), the CDRs Receiver and
the Commands Sender (where CommandResults arrive), with the library's authentication. This file
only gives it storage (`Store`) and, under `/driver`, the client steps an eMSP takes towards a
CPO (connection.py: registration; here: CDRs pull, Tokens pushes, START_SESSION), each body
built and each answer checked with the library's models.

Environment: PARTNER_FD (a listening socket), OCPI_HOST, PROTOCOL, COUNTRY_CODE, PARTY_ID.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from connection import (  # type: ignore[import-not-found]  # beside this file
    ME,
    OWN_VERSIONS,
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
from py_ocpi.core.enums import Action, ModuleID, RoleEnum  # type: ignore[import-not-found]
from py_ocpi.core.push import push_object  # type: ignore[import-not-found]
from py_ocpi.core.schemas import Push  # type: ignore[import-not-found]
from py_ocpi.modules.cdrs.v_2_2_1.schemas import Cdr  # type: ignore[import-not-found]
from py_ocpi.modules.commands.v_2_2_1.schemas import (  # type: ignore[import-not-found]
    CommandResponse,
    StartSession,
)
from py_ocpi.modules.tokens.v_2_2_1.schemas import Token  # type: ignore[import-not-found]

STATE |= {"tokens": {}, "cdrs": {}, "results": {}}


class Store:
    """The library's Crud interface, in memory: our tokens, the CDRs pushed to us, the
    CommandResults posted to our response_urls."""

    @classmethod
    async def get(cls, module: Any, role: Any, id: Any, *args: Any, **kwargs: Any) -> Any:
        return STATE["tokens" if module == ModuleID.tokens else "cdrs"].get(str(id).upper())

    @classmethod
    async def list(cls, module: Any, role: Any, filters: Any, *a: Any, **k: Any) -> Any:
        items = list(STATE["tokens"].values())
        return items[filters["offset"] : filters["offset"] + filters["limit"]], len(items), True

    @classmethod
    async def create(cls, module: Any, role: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        STATE["cdrs"][str(data["id"]).upper()] = data
        return data

    @classmethod
    async def update(cls, module: Any, role: Any, data: Any, id: Any, *a: Any, **k: Any) -> Any:
        STATE["results"][str(id)] = data  # the only update the eMSP side makes: a result
        return data

    @classmethod
    async def do(cls, module: Any, role: Any, action: Any, *a: Any, **kw: Any) -> Any:
        if action != Action.authorize_token:
            return None
        token = STATE["tokens"][str(kw["data"]["token_uid"]).upper()]
        return {"allowed": "ALLOWED", "token": token, "authorization_reference": "interop-1"}


driver = registration(RoleEnum.emsp, "Interop eMSP")


@driver.post("/pull-cdrs")
@reported
async def pull_cdrs(limit: Annotated[int, Body(embed=True)]) -> dict[str, Any]:
    """Section 1.8: GET the CDRs Sender, follow `Link: <..>; rel="next"` to the end."""
    url: str | None = f"{endpoint('cdrs', 'SENDER')}?limit={limit}"
    pages: list[dict[str, Any]] = []
    cdrs: list[dict[str, Any]] = []
    while url is not None and len(pages) < 20:
        response, answer = await call("GET", url, routed=True)
        cdrs += [Cdr.parse_obj(cdr).dict() for cdr in answer.data]
        page = {"http_status": response.status_code, "count": len(answer.data)}
        pages.append(page | {k: response.headers.get(k) for k in ("X-Total-Count", "X-Limit")})
        url = response.links.get("next", {}).get("url")
    return {"pages": pages, "cdrs": cdrs}


def _tokens_url(uid: str) -> str:
    url = f"{endpoint('tokens', 'RECEIVER').rstrip('/')}/{ME['country_code']}/{ME['party_id']}"
    return f"{url}/{uid}"


@driver.put("/tokens/{uid}")
@reported
async def put_token(uid: str, fields: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Build the Token with the library's model and PUT it at `{tokens}/{cc}/{pid}/{uid}`."""
    token = Token(**ME, uid=uid, **fields)
    STATE["tokens"][uid.upper()] = token.dict()
    response, answer = await call("PUT", _tokens_url(uid), routed=True, json=token.dict())
    return outcome(response, answer)


@driver.get("/tokens/{uid}")
@reported
async def get_token(uid: str) -> dict[str, Any]:
    response, answer = await call("GET", _tokens_url(uid), routed=True)
    found = Token.parse_obj(answer.data).dict() if answer.status_code == 1000 else None
    return outcome(response, answer) | {"token": found}


@driver.post("/push/tokens/{uid}")
@reported
async def push_token(uid: str) -> dict[str, Any]:
    """The library's own push (core.push): it finds our Tokens Receiver and PUTs the token."""
    receiver = {"endpoints_url": STATE["details_url"], "auth_token": STATE["token_c"]}
    push = Push(module_id=ModuleID.tokens, object_id=uid, receivers=[receiver])
    result = await push_object(V221, push, Store, BaseAdapter)
    return dict(result.dict()["receiver_responses"][0])


@driver.get("/cdrs/{cdr_id}")
async def received_cdr(cdr_id: str) -> dict[str, Any]:
    """A CDR our service pushed to the library's CDRs Receiver, as the library stored it."""
    return {"cdr": STATE["cdrs"].get(cdr_id.upper())}


@driver.post("/commands/START_SESSION")
@reported
async def start_session(fields: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Section 6.2 step 1: a StartSession built with the library's model, with one of our
    tokens and a unique response_url at the library's Commands Sender (where the library takes
    the CommandResult); the CommandResponse is checked with the library's model."""
    uid = str(uuid.uuid4())
    response_url = f"{OWN_VERSIONS.removesuffix('/versions')}/emsp/2.2.1/commands/{uid}"
    token = Token(**STATE["tokens"][fields.pop("token_uid").upper()])
    command = StartSession(response_url=response_url, token=token, **fields)
    url = f"{endpoint('commands', 'RECEIVER').rstrip('/')}/START_SESSION"
    response, answer = await call("POST", url, routed=True, json=command.dict(exclude_none=True))
    parsed = CommandResponse.parse_obj(answer.data).dict() if answer.status_code == 1000 else None
    return outcome(response, answer) | {"response": parsed, "uid": uid}


@driver.get("/command-results/{uid}")
async def command_result(uid: str) -> dict[str, Any]:
    """The CommandResult posted to the response_url `uid`, as the library stored it."""
    return {"result": STATE["results"].get(uid)}


def main() -> None:
    app = get_application(
        version_numbers=[V221],
        roles=[RoleEnum.emsp],
        crud=Store,
        modules=[
            ModuleID.credentials_and_registration,
            ModuleID.tokens,
            ModuleID.cdrs,
            ModuleID.commands,
        ],
        authenticator=Tokens,
    )
    app.include_router(driver)
    serve(app)


if __name__ == "__main__":
    main()
