"""`evroam partners ...` against a fake of evroam-roaming's admin API, in memory but over real
HTTP (as cli/tests does for every service: the CLI does not depend on the services): what
each command sends, what it prints, and how it says what went wrong."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evroam_cli.main import main

ADMIN_TOKEN = "cli-test-admin-token"
VERSIONS_URL = "https://ocpi.cpo.example/ocpi/versions"
ID = "0193a2f4-5c1d-7e0b-8a52-6f1e2d3c4b5a"
TOKEN_A = "a-token-A-shown-once"
NO_PUSHES = {"pending": 0, "delivered": 0, "dead": 0}
LISTED = ("partner_id", "name", "country_code", "party_id", "role", "registered_at", "state")
ENDPOINT = {"identifier": "cdrs", "role": "RECEIVER", "url": "https://emsp.example/cdrs"}
PUSH = {"push_id": 7, "partner_id": ID, "module": "cdrs", "object_id": "C2", "state": "DEAD"}
PUSH |= {"attempts": 8, "last_error": "ConnectError: connection refused"}


@dataclass
class FakeRoaming:
    """Partners (their whole status) and pushes, answered as evroam-roaming's admin API
    answers; every request kept as (method, path, query, body, authorization)."""

    partners: dict[str, dict[str, Any]] = field(default_factory=dict)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str], Any, str | None]] = field(default_factory=list)
    url: str = ""

    def admit(self, partner_id: str, cc: str, pid: str, state: str, **more: Any) -> None:
        self.partners[partner_id] = {
            "partner_id": partner_id, "name": f"{pid} Mobility", "country_code": cc,
            "party_id": pid, "role": "EMSP", "registered_at": "2024-05-01T09:00:00Z",
            "state": state, "pushes": NO_PUSHES, "token_a_issued_at": "2024-05-01T09:00:00Z",
            "endpoints": [], "last_push_error": None, "hub_clients": None, **more,
        }  # fmt: skip

    def handle(self, r: Any) -> Any:
        """`r` is conftest's Request; a wrong admin token is refused as evroam-roaming does."""
        self.requests.append((r.method, r.path, r.query, r.body, r.authorization))
        if r.authorization != f"Bearer {ADMIN_TOKEN}":
            return 401, {"detail": "admin token missing or wrong"}
        return self.answer(r.method, r.path, r.query, r.body)

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        parts = path.strip("/").split("/")[1:]
        if parts == ["partners"]:
            return self.register(body) if method == "POST" else self.listing(query)
        if parts[0] == "partners" and parts[1] not in self.partners:
            return 404, {"detail": f"no partner {parts[1]}"}
        if parts[0] == "partners" and len(parts) == 2:
            return 200, self.partners[parts[1]]
        if parts[0] == "partners":
            return self.new_token(self.partners[parts[1]])
        if parts == ["pushes"]:
            wanted = [p for p in self.pushes if query.get("state") in (None, p["state"])]
            return 200, [p for p in wanted if query.get("partner_id") in (None, p["partner_id"])]
        dead = [p for p in self.pushes if p["push_id"] == int(parts[1]) and p["state"] == "DEAD"]
        if not dead:
            return 404, {"detail": f"no dead-lettered push {parts[1]}"}
        dead[0]["state"] = "PENDING"
        return 200, {"push_id": dead[0]["push_id"], "state": "PENDING"}

    def register(self, body: dict[str, Any]) -> tuple[int, Any]:
        if not re.fullmatch(r"[A-Za-z0-9]{3}", body["party_id"]):
            fault = {"loc": ["body", "party_id"], "msg": "String should match pattern"}
            return 422, {"detail": [fault]}
        for p in self.partners.values():
            if (p["country_code"], p["party_id"]) == (body["country_code"], body["party_id"]):
                detail = f"{body['country_code']}*{body['party_id']} is already registered"
                return 409, {"detail": f"{detail} as partner {p['partner_id']}"}
        self.admit(ID, body["country_code"], body["party_id"], "REGISTERED")
        self.partners[ID] |= {"name": body["name"], "role": body["role"]}
        return 201, {k: self.partners[ID][k] for k in LISTED[:-1]} | {"token": TOKEN_A}

    def listing(self, query: dict[str, str]) -> tuple[int, Any]:
        every = query.get("include_unregistered") == "true"
        shown = [p for p in self.partners.values() if every or p["state"] != "UNREGISTERED"]
        return 200, [{k: p[k] for k in (*LISTED, "pushes")} for p in shown]

    def new_token(self, partner: dict[str, Any]) -> tuple[int, Any]:
        if partner["state"] == "CONNECTED":
            return 409, {"detail": f"partner {partner['partner_id']} completed the handshake"}
        issued = {k: partner[k] for k in LISTED[:5]} | {"token": "a-new-token-A"}
        return 201, issued | {"issued_at": "2024-05-02T09:00:00Z", "replaces_partner_id": None}


@pytest.fixture
def roaming(serve_json: Any) -> FakeRoaming:
    fake = FakeRoaming()
    fake.url = serve_json(fake.handle)
    return fake


@pytest.fixture
def endpoints(write_endpoints: Any, roaming: FakeRoaming) -> Path:
    return write_endpoints("e.json", {"roaming": roaming.url}, ocpi_versions_url=VERSIONS_URL)


def evroam(endpoints: Path, *args: str) -> int:
    return main(["--endpoints", str(endpoints), "partners", *args])


@pytest.mark.parametrize(
    "args", [[], *([c] for c in ("add", "list", "show", "new-token", "pushes", "replay"))]
)
def test_every_partners_command_explains_itself(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["partners", *args, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: evroam partners {' '.join(args)}".rstrip() in out
    assert "exit status" in out
    assert "evroam partners" in out.split("exit status")[0].split("usage:")[-1]  # an example


def test_add_prints_token_a_once_with_the_versions_url_to_hand_over(
    endpoints: Path, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(endpoints, "add", "ABC Mobility", "--country", "nl", "--party", "abc",
                  "--role", "emsp") == 0  # fmt: skip
    [(method, path, _, body, auth)] = roaming.requests
    assert (method, path, auth) == ("POST", "/admin/partners", f"Bearer {ADMIN_TOKEN}")
    assert body == {"name": "ABC Mobility", "country_code": "NL", "party_id": "ABC", "role": "EMSP"}
    out = capsys.readouterr().out
    assert out.count(TOKEN_A) == 1
    assert f"versions URL  {VERSIONS_URL}" in out
    assert "secure channel" in out
    assert f"evroam partners show {ID}" in out


def test_add_as_json_carries_the_token_and_the_versions_url(
    write_endpoints: Any, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    local = write_endpoints("local.json", {"roaming": roaming.url})  # no ocpi_versions_url
    args = ("add", "X", "--country", "NL", "--party", "ABC", "--role", "CPO", "--json")
    assert evroam(local, *args) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["token"], answer["role"]) == (TOKEN_A, "CPO")
    assert answer["versions_url"] == f"{roaming.url}/ocpi/versions"


def test_a_party_registered_twice_or_a_bad_party_id_exits_1_saying_why(
    endpoints: Path, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    roaming.admit(ID, "NL", "ABC", "CONNECTED")
    assert evroam(endpoints, "add", "X", "--country", "NL", "--party", "ABC", "--role", "EMSP") == 1
    err = capsys.readouterr().err
    assert f"NL*ABC is already registered as partner {ID}" in err
    assert "evroam partners list" in err
    assert evroam(endpoints, "add", "X", "--country", "NL", "--party", "A!", "--role", "EMSP") == 1
    assert "fields at fault:\n  party_id: String should match pattern" in capsys.readouterr().err


def test_list_shows_a_row_per_partner_and_all_adds_the_unregistered(
    endpoints: Path, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(endpoints, "list") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "(0 partners)"
    roaming.admit(ID, "NL", "ABC", "CONNECTED", pushes={"pending": 3, "delivered": 9, "dead": 1})
    roaming.admit("old-id", "DE", "TNM", "UNREGISTERED")
    assert evroam(endpoints, "list") == 0
    header, row, total = capsys.readouterr().out.splitlines()
    assert header.split() == ["partner_id", "name", "party", "role", "state", "pending", "dead"]
    assert row.split() == [ID, "ABC", "Mobility", "NL*ABC", "EMSP", "CONNECTED", "3", "1"]
    assert total == "(1 partner)"
    assert evroam(endpoints, "list", "--all", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["partner_id"], p["state"]) for p in listed] == [
        (ID, "CONNECTED"),
        ("old-id", "UNREGISTERED"),
    ]
    assert roaming.requests[-1][2] == {"include_unregistered": "true"}


def test_show_prints_the_connection_pushes_and_what_to_do_next(
    endpoints: Path, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    error = {k: PUSH[k] for k in ("push_id", "module", "object_id", "state", "attempts")}
    roaming.admit(
        ID, "NL", "ABC", "CONNECTED", handshake_at="2024-05-01T09:05:00Z", ocpi_version="2.2.1",
        versions_url="https://emsp.example/versions", endpoints=[ENDPOINT],
        pushes={"pending": 0, "delivered": 4, "dead": 1},
        last_push_error=error | {"error": PUSH["last_error"], "at": "2024-05-01T10:00:00Z"},
    )  # fmt: skip
    assert evroam(endpoints, "show", ID) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["state", "CONNECTED"] for line in lines)
    assert any(line.split()[:2] == ["OCPI", "2.2.1"] for line in lines)
    assert any(line.split() == ["cdrs", "RECEIVER", ENDPOINT["url"]] for line in lines)
    counts = ["pushes", "0", "pending,", "4", "delivered,", "1", "dead"]
    assert any(line.split() == counts for line in lines)
    assert any("push 7 (cdrs C2, DEAD after 8 attempts): ConnectError" in line for line in lines)
    assert any(f"evroam partners pushes --dead --partner {ID}" in line for line in lines)
    assert evroam(endpoints, "show", ID, "--json") == 0
    assert json.loads(capsys.readouterr().out)["endpoints"] == [ENDPOINT]


def test_an_unknown_partner_exits_1_and_says_where_the_ids_are(
    endpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(endpoints, "show", "nope") == 1
    err = capsys.readouterr().err
    assert "no partner nope" in err
    assert "evroam partners list --all" in err


def test_new_token_prints_the_token_once_and_a_connected_partner_is_refused(
    endpoints: Path, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    roaming.admit(ID, "NL", "ABC", "REGISTERED")
    assert evroam(endpoints, "new-token", ID) == 0
    out = capsys.readouterr().out
    assert out.count("a-new-token-A") == 1
    assert "The token A issued before no longer works." in out
    assert roaming.requests[-1][:2] == ("POST", f"/admin/partners/{ID}/token")
    roaming.partners[ID]["state"] = "CONNECTED"
    assert evroam(endpoints, "new-token", ID) == 1
    assert "completed the handshake" in capsys.readouterr().err


def test_pushes_filters_the_dead_and_replay_queues_one_again(
    endpoints: Path, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    roaming.pushes = [dict(PUSH), {**PUSH, "push_id": 8, "state": "DELIVERED", "last_error": None}]
    assert evroam(endpoints, "pushes", "--dead", "--partner", ID) == 0
    assert roaming.requests[-1][2] == {"limit": "100", "state": "DEAD", "partner_id": ID}
    header, row, total = capsys.readouterr().out.splitlines()
    assert (header.split()[0], total) == ("push_id", "(1 push)")
    assert row.split()[:6] == ["7", ID, "cdrs", "C2", "DEAD", "8"]
    assert row.endswith("ConnectError: connection refused")
    assert evroam(endpoints, "replay", "7") == 0
    assert "push 7 is queued again (PENDING)" in capsys.readouterr().out
    assert evroam(endpoints, "replay", "7") == 1
    assert "only DEAD pushes can be replayed" in capsys.readouterr().err


def test_a_wrong_admin_token_says_where_the_token_comes_from(
    write_endpoints: Any, roaming: FakeRoaming, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = write_endpoints("wrong.json", {"roaming": roaming.url}, token="not-the-admin-token")
    assert evroam(wrong, "list") == 1
    assert "admin token was refused: check admin_token in the endpoints file" in (
        capsys.readouterr().err
    )


def test_a_roaming_service_that_does_not_answer_exits_2_and_no_file_too(
    tmp_path: Path, write_endpoints: Any, silent_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(write_endpoints("down.json", {"roaming": silent_url}), "list") == 2
    err = capsys.readouterr().err
    assert f"evroam-roaming does not answer at {silent_url}" in err
    assert "make run" in err
    assert evroam(tmp_path / "missing.json", "list") == 2
    assert "make run" in capsys.readouterr().err
