"""The `evroam` commands an SRE runs, as a subprocess against the running stack."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow


def evroam(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "evroam_cli.main",
            "--bootstrap-servers",
            stack.infra.kafka_bootstrap_servers,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_command_explains_itself() -> None:
    for args in ([], ["trace", "session"], ["rebuild"], ["lag"], ["dlq", "list"], ["demo"]):
        done = subprocess.run(
            [sys.executable, "-m", "evroam_cli.main", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0
        assert "usage: evroam" in done.stdout


async def test_lag_lists_the_platform_consumer_groups_once_they_consumed(
    stack: Stack, platform: Platform, provisioned: tuple[scenario.Scenario, str]
) -> None:
    sc, _ = provisioned
    started_at = datetime(2026, 3, 5, 9, tzinfo=UTC)
    await scenario.play(platform, sc, started_at)
    session = await scenario.session_of(platform, sc, started_at)
    await scenario.invoice_line_of(platform, (await scenario.cdr_of(platform, session["id"]))["id"])
    done = await asyncio.to_thread(evroam, stack, "lag")
    assert done.returncode == 0, done.stderr
    for group in ("evroam.session.policies", "evroam.cdr.policies", "evroam.billing.policies"):
        assert group in done.stdout


def test_dlq_list_shows_what_could_not_be_handled_and_why(stack: Stack) -> None:
    done = evroam(stack, "dlq", "list", "--json")
    assert done.returncode == 0, done.stderr
    letters = json.loads(done.stdout)
    assert isinstance(letters, list)
    for letter in letters:  # the poison test of this suite leaves some; each is explained
        assert letter["consumer"].startswith("evroam.")
        assert letter["reason"]


def test_without_a_platform_the_commands_say_how_to_start_one(tmp_path: object) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evroam_cli.main",
            "--endpoints",
            "/nonexistent/endpoints.json",
            "lag",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "make run" in done.stderr
