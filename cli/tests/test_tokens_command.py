"""`evroam tokens ...` against a fake authorization service over real HTTP: what each command
sends, what it prints, and how it says what went wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.main import main
from evroam_contracts.emi3 import validate_contract_id

Fake = Any  # conftest's FakeAuthorization (conftest modules are not importable)
KEY = ["NL", "EVR", "04A1B2C3D4"]
CONTRACT = "DE-8AA-CA2B3C4D5-L"  # eMI3 v1.0 Part 2, section 1.2.2.1


def evroam(endpoints: Path, *args: str) -> int:
    return main(["--endpoints", str(endpoints), "tokens", *args])


def _put(endpoints: Path, *extra: str) -> int:
    return evroam(endpoints, "put", *KEY, "--contract-id", CONTRACT, "--issuer", "EVR", *extra)


def test_every_tokens_command_explains_itself() -> None:
    for args in ([], ["put"], ["patch"], ["get"], ["list"], ["block"], ["unblock"]):
        done = subprocess.run(
            [sys.executable, "-m", "evroam_cli.main", "tokens", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0
        assert "usage: evroam tokens" in done.stdout
        assert "exit status" in done.stdout


def test_put_sends_a_full_own_token_with_the_admin_token_and_prints_it(
    endpoints: Path, authorization: Fake, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _put(endpoints, "--group-id", "FLEET-1") == 0
    [request] = authorization.requests
    assert (request.method, request.path, request.query) == (
        "PUT",
        "/tokens/NL/EVR/04A1B2C3D4",
        {"type": "RFID"},
    )
    assert request.authorization == "Bearer cli-test-admin-token"
    sent = request.body
    stamped = datetime.fromisoformat(sent.pop("last_updated"))
    assert abs(stamped - datetime.now(UTC)) < timedelta(seconds=5)
    assert sent == {
        "country_code": "NL",
        "party_id": "EVR",
        "uid": "04A1B2C3D4",
        "type": "RFID",
        "contract_id": CONTRACT,
        "issuer": "EVR",
        "group_id": "FLEET-1",
        "valid": True,
        "whitelist": "ALLOWED",
    }
    out = capsys.readouterr().out
    assert "contract_id" in out
    assert CONTRACT in out
    assert "version" in out


def test_block_and_unblock_patch_only_valid(endpoints: Path, authorization: Fake) -> None:
    _put(endpoints)
    assert evroam(endpoints, "block", *KEY, "--type", "RFID") == 0
    assert evroam(endpoints, "unblock", *KEY) == 0
    patches = [(r.method, r.body) for r in authorization.requests[1:]]
    assert patches == [("PATCH", {"valid": False}), ("PATCH", {"valid": True})]


def test_patch_sends_only_the_fields_it_was_given(endpoints: Path, authorization: Fake) -> None:
    _put(endpoints)
    assert evroam(endpoints, "patch", *KEY, "--whitelist", "NEVER", "--valid", "false") == 0
    assert authorization.requests[-1].body == {"whitelist": "NEVER", "valid": False}


def test_get_prints_the_token_as_a_table_or_as_json(
    endpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(endpoints)
    capsys.readouterr()
    assert evroam(endpoints, "get", *KEY) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["contract_id", CONTRACT] for line in lines)
    assert evroam(endpoints, "get", *KEY, "--json") == 0
    assert json.loads(capsys.readouterr().out)["contract_id"] == CONTRACT


def test_list_passes_its_filters_and_prints_one_row_per_token(
    endpoints: Path, authorization: Fake, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(endpoints)
    capsys.readouterr()
    assert evroam(endpoints, "list", "--party-id", "EVR", "--valid", "false", "--limit", "5") == 0
    assert authorization.requests[-1].query == {
        "party_id": "EVR",
        "valid": "false",
        "limit": "5",
        "offset": "0",
    }
    header, row, total = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["country_code", "party_id", "uid"]
    assert row.split()[:5] == ["NL", "EVR", "04A1B2C3D4", "RFID", CONTRACT]
    assert total == "(1 token)"
    assert evroam(endpoints, "list", "--json") == 0
    assert [t["uid"] for t in json.loads(capsys.readouterr().out)] == ["04A1B2C3D4"]


def test_an_unknown_token_is_named_and_exits_1(
    endpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(endpoints, "block", "NL", "EVR", "NOPE", "--type", "APP_USER") == 1
    assert "no token NL*EVR*NOPE of type APP_USER" in capsys.readouterr().err


def test_a_refused_token_lists_the_fields_at_fault(
    endpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = evroam(endpoints, "put", *KEY, "--contract-id", "DE-8AA-CA2B3C4D5-X", "--issuer", "EVR")
    assert code == 1
    err = capsys.readouterr().err
    assert "fields at fault" in err
    assert "contract_id: Value error," in err
    assert "check digit is 'X' but must be 'L'" in err


def test_a_wrong_admin_token_says_where_the_token_comes_from(
    wrong_token_endpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _put(wrong_token_endpoints) == 1
    assert "admin token was refused" in capsys.readouterr().err


def test_a_service_that_does_not_answer_is_named_with_its_url_and_exits_2(
    nobody_endpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(nobody_endpoints, "get", *KEY) == 2
    err = capsys.readouterr().err
    assert "evroam-authorization does not answer at http://127.0.0.1:" in err
    assert "make run" in err


def test_without_an_endpoints_file_tokens_says_how_to_start_the_platform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evroam(tmp_path / "missing.json", "list") == 2
    assert "make run" in capsys.readouterr().err


def test_scenario_tokens_carry_emi3_contract_ids_with_a_right_check_digit() -> None:
    for _ in range(50):
        sc = scenario.Scenario.new()
        token = scenario.token(sc)
        assert validate_contract_id(token["contract_id"]) == token["contract_id"]
        assert token["contract_id"].startswith(f"DE-{sc.emsp_party_id}-C")
    odd = scenario.Scenario.new(suffix="run-7/ä")  # only letters and digits are kept
    assert validate_contract_id(odd.contract_id) == odd.contract_id
    assert odd.contract_id[:-1] == f"DE-{odd.emsp_party_id}-C0000RUN7-"
