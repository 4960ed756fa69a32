"""`evroam locations ...` and `evroam stations ...` against a scripted gateway over real HTTP:
what each command sends, what it prints, how it says what went wrong, and that a station
password never travels through argv or the output."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evroam_cli.main import main

ADMIN_TOKEN = "cli-test-admin-token"
LOCATION = {
    "location_id": "LOC-1",
    "address": "Stationsplein 1",
    "city": "Amsterdam",
    "country": "NLD",
    "coordinates": {"latitude": "52.378900", "longitude": "4.900200"},
    "time_zone": "Europe/Amsterdam",
    "country_code": "NL",
    "party_id": "EVR",
}
PLUG = {"connector_id": "1", "ocpp_connector_id": 1, "standard": "IEC_62196_T2"}
EVSE = {"evse_uid": "EVSE-1", "evse_id": "NL*EVR*E1*1", "connectors": [PLUG]}
STATION = {"station_id": "CS-1", "location_id": "LOC-1", "evses": [EVSE], "security_profile": 0}


Request = Any  # conftest's Request (conftest modules are not importable)


@dataclass
class ScriptedGateway:
    """Answers each request with the next scripted (status, body, headers), 200 {} when none
    is left; refuses a wrong admin token as the gateway does; records every request."""

    answers: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def will(self, status: int, body: Any = None, **headers: str) -> None:
        self.answers.append((status, body, headers))

    def answer(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        self.requests.append(request)
        if request.authorization != f"Bearer {ADMIN_TOKEN}":
            return 401, {"detail": "admin token missing or wrong"}, {}
        return self.answers.pop(0) if self.answers else (200, {}, {})


@pytest.fixture
def gateway(serve_json: Any) -> ScriptedGateway:
    fake = ScriptedGateway()
    fake.url = serve_json(fake.answer)
    return fake


@pytest.fixture
def endpoints(write_endpoints: Any, gateway: ScriptedGateway) -> Path:
    return write_endpoints("endpoints.json", {"gateway": gateway.url})


def evroam(endpoints: Path, *args: str) -> int:
    return main(["--endpoints", str(endpoints), *args])


def written(key: str, state: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"version": version, key: state}


@pytest.mark.parametrize(
    "args",
    [
        ["locations"],
        *(["locations", c] for c in ("create", "update", "get", "list")),
        ["stations"],
        *(
            ["stations", c]
            for c in ("create", "update", "get", "list", "put-evse", "remove-evse", "set-password")
        ),
    ],
)
def test_every_registry_command_explains_itself(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: evroam {' '.join(args)}" in out
    assert "exit status" in out


def test_create_sends_the_file_with_the_options_over_it_and_the_admin_token(
    endpoints: Path, gateway: ScriptedGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "loc.json"
    body.write_text(json.dumps(LOCATION))
    gateway.will(201, written("location", LOCATION | {"city": "Utrecht"}))
    code = evroam(endpoints, "locations", "create", "--file", str(body), "--city", "Utrecht")
    assert code == 0
    [request] = gateway.requests
    assert (request.method, request.path, request.authorization) == (
        "POST",
        "/locations",
        f"Bearer {ADMIN_TOKEN}",
    )
    assert request.body == LOCATION | {"city": "Utrecht"}
    out = capsys.readouterr().out
    assert any(line.split() == ["city", "Utrecht"] for line in out.splitlines())
    assert "version  1" in out


def test_create_reads_the_body_from_standard_input(
    endpoints: Path, gateway: ScriptedGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(LOCATION)))
    gateway.will(200, written("location", LOCATION))
    assert evroam(endpoints, "locations", "create", "--file", "-", "--json") == 0
    assert gateway.requests[0].body == LOCATION


def test_update_replaces_with_a_file_and_patches_with_options_only(
    endpoints: Path, gateway: ScriptedGateway, tmp_path: Path
) -> None:
    (tmp_path / "loc.json").write_text(json.dumps(LOCATION | {"location_id": "OLD"}))
    gateway.will(200, written("location", LOCATION, 2))
    path = str(tmp_path / "loc.json")
    assert evroam(endpoints, "locations", "update", "LOC-1", "--file", path) == 0
    gateway.will(200, written("location", LOCATION, 3))
    options = ["--name", "Depot", "--latitude", "52.000000", "--longitude", "4.000000"]
    assert evroam(endpoints, "locations", "update", "LOC-1", *options) == 0
    put, patch = gateway.requests
    assert (put.method, put.path, put.body["location_id"]) == ("PUT", "/locations/LOC-1", "LOC-1")
    assert (patch.method, patch.body) == (
        "PATCH",
        {"name": "Depot", "coordinates": {"latitude": "52.000000", "longitude": "4.000000"}},
    )


def test_list_passes_its_filters_and_prints_a_row_each_and_the_total(
    endpoints: Path, gateway: ScriptedGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway.will(200, [LOCATION], **{"X-Total-Count": "7"})
    assert evroam(endpoints, "locations", "list", "--party-id", "EVR", "--limit", "1") == 0
    assert gateway.requests[0].query == {"party_id": "EVR", "limit": "1", "offset": "0"}
    header, row, total = capsys.readouterr().out.splitlines()
    assert header.split() == [
        "location_id",
        "name",
        "city",
        "country_code",
        "party_id",
        "time_zone",
    ]
    assert row.split() == ["LOC-1", "Amsterdam", "NL", "EVR", "Europe/Amsterdam"]
    assert total == "(1 of 7)"
    gateway.will(200, [STATION], **{"X-Total-Count": "1"})
    assert evroam(endpoints, "stations", "list", "--location-id", "LOC-1") == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["CS-1", "LOC-1", "1", "1", "0"]
    gateway.will(200, [STATION], **{"X-Total-Count": "1"})
    assert evroam(endpoints, "stations", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [STATION]


def test_a_refusal_names_each_field_at_fault_and_exits_1(
    endpoints: Path, gateway: ScriptedGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    fault = {"loc": ["body", "evses", 0, "evse_id"], "msg": "belongs to DE*EVR", "type": "x"}
    gateway.will(422, {"detail": [fault]})
    assert evroam(endpoints, "stations", "create", "--station-id", "CS-1") == 1
    assert "evses.0.evse_id: belongs to DE*EVR" in capsys.readouterr().err
    gateway.will(409, {"detail": "station CS-1 exists with other values; PUT changes it"})
    assert evroam(endpoints, "stations", "create", "--station-id", "CS-1") == 1
    assert "exists with other values" in capsys.readouterr().err
    gateway.will(404, {"detail": "station NOPE not found"})
    assert evroam(endpoints, "stations", "get", "NOPE") == 1
    assert "station NOPE not found" in capsys.readouterr().err


def test_a_wrong_admin_token_and_a_gateway_that_does_not_answer_are_told_apart(
    write_endpoints: Any,
    silent_url: str,
    gateway: ScriptedGateway,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = write_endpoints("wrong.json", {"gateway": gateway.url}, token="not-the-token")
    assert evroam(wrong, "locations", "get", "LOC-1") == 1
    assert "admin token was refused" in capsys.readouterr().err
    nobody = write_endpoints("down.json", {"gateway": silent_url})
    assert evroam(nobody, "stations", "list") == 2
    err = capsys.readouterr().err
    assert "evroam-gateway does not answer at http://127.0.0.1:" in err
    assert "make run" in err


@pytest.mark.parametrize(
    ("content", "reason"), [(None, "cannot read"), ("{", "not JSON"), ("[]", "one JSON object")]
)
def test_an_unusable_file_exits_2_before_any_request(
    endpoints: Path,
    gateway: ScriptedGateway,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    reason: str,
) -> None:
    path = tmp_path / "body.json"
    if content is not None:
        path.write_text(content)
    assert evroam(endpoints, "stations", "create", "--file", str(path)) == 2
    assert reason in capsys.readouterr().err
    assert evroam(endpoints, "locations", "update", "LOC-1") == 2  # nothing to change
    assert gateway.requests == []


def test_put_evse_builds_connectors_from_options_and_remove_evse_deletes(
    endpoints: Path, gateway: ScriptedGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway.will(200, written("station", STATION, 2))
    args = ["CS-1", "EVSE 2", "--evse-id", "NL*EVR*E2*1", "--connector", "2", "--connector", "3"]
    assert evroam(endpoints, "stations", "put-evse", *args) == 0
    gateway.will(200, written("station", STATION, 3))
    assert evroam(endpoints, "stations", "remove-evse", "CS-1", "EVSE 2") == 0
    put, delete = gateway.requests
    assert (put.method, put.path) == ("PUT", "/stations/CS-1/evses/EVSE 2")
    assert put.body == {
        "evse_id": "NL*EVR*E2*1",
        "connectors": [
            {"connector_id": "2", "ocpp_connector_id": 2},
            {"connector_id": "3", "ocpp_connector_id": 3},
        ],
    }
    assert (delete.method, delete.path, delete.body) == (
        "DELETE",
        "/stations/CS-1/evses/EVSE 2",
        None,
    )
    assert "evse EVSE-1  NL*EVR*E1*1  ocpp evse 1: 1 (IEC_62196_T2" in capsys.readouterr().out


def test_set_password_reads_standard_input_and_never_prints_the_password(
    endpoints: Path,
    gateway: ScriptedGateway,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct-horse-battery\n"))
    gateway.will(204)
    args = ["stations", "set-password", "CS-1", "--profile", "2", "--password-stdin"]
    assert evroam(endpoints, *args) == 0
    [request] = gateway.requests
    assert (request.method, request.path) == ("PUT", "/stations/CS-1/credentials")
    assert request.body == {"password": "correct-horse-battery", "security_profile": 2}
    out, err = capsys.readouterr()
    assert "password set for station CS-1" in out
    assert "TLS" in out
    assert "correct-horse" not in out + err


def test_set_password_asks_twice_on_a_terminal_and_refuses_a_mismatch(
    endpoints: Path, gateway: ScriptedGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    typed = iter(["first-password-typed", "first-password-typed", "one-password-here", "other"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    gateway.will(204)
    assert evroam(endpoints, "stations", "set-password", "CS-1", "--profile", "1") == 0
    assert evroam(endpoints, "stations", "set-password", "CS-1", "--profile", "1") == 2
    assert [r.body["password"] for r in gateway.requests] == ["first-password-typed"]


def test_set_password_never_takes_the_password_from_the_command_line(
    endpoints: Path, gateway: ScriptedGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        evroam(endpoints, "stations", "set-password", "CS-1", "--profile", "1", "--password", "x")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal, nothing piped
    assert evroam(endpoints, "stations", "set-password", "CS-1", "--profile", "1") == 2
    assert gateway.requests == []
