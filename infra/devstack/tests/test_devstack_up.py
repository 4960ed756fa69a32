"""The whole devstack, through its Python API and its command line (with the fake service)."""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from process_watch import FAKE_TEMPLATE, all_gone, descendants, fake_command, wait_until

from evroam_devstack import (
    SERVICES,
    Devstack,
    PortAllocator,
    Progress,
    StateDirInUseError,
    list_topics,
)


def test_up_serves_every_service_and_stop_leaves_nothing(tmp_path: Path) -> None:
    devstack = Devstack(
        tmp_path / "state", command=fake_command, free_ports=True, progress=Progress.silent()
    )
    before = set(descendants(os.getpid()))  # the session's `infra` may be running
    with devstack:
        endpoints = devstack.up()
        written = json.loads(devstack.endpoints_path.read_text())
        pids = set(descendants(os.getpid())) - before

        assert written == endpoints.to_json()
        assert set(written["services"]) == set(SERVICES)
        assert written["ocpp_url"].startswith("ws://127.0.0.1:")
        assert written["ocpp_url"].endswith("/ocpp")
        assert written["ocpi_versions_url"] == (
            f"{written['services']['roaming']['http_url']}/ocpi/versions"
        )
        assert len(written["admin_token"]) >= 32
        for name, service in written["services"].items():
            assert httpx.get(f"{service['http_url']}/readyz").status_code == 200
            assert service["database_url"].endswith(f"/evroam_{name}")
            assert Path(service["log"]).is_file()
            assert service["pid"] in pids
        assert "evroam.billing.events" in list_topics(written["kafka_bootstrap_servers"])
        with psycopg.connect(written["services"]["cdr"]["database_url"]) as conn:
            assert conn.execute("SELECT service FROM fake_migrations").fetchall() == [("cdr",)]
        assert oct(devstack.endpoints_path.stat().st_mode & 0o777) == "0o600"

    assert all_gone(pids)
    assert not devstack.endpoints_path.exists()


def test_a_taken_default_port_is_replaced_by_a_free_one_with_a_warning() -> None:
    warnings: list[str] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        ports = PortAllocator(prefer_defaults=True, warn=warnings.append)

        port = ports.take("gateway http", busy)

    assert port != busy
    assert warnings == [f"port {busy} (gateway http) is taken; using {port}"]


def start_cli(state: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evroam_devstack", *args, "--state-dir", str(state), "--free-ports"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_command_line_starts_stops_on_ctrl_c_and_starts_again(tmp_path: Path) -> None:
    for _ in range(2):  # a second `up` after the first one stopped works the same
        cli = start_cli(
            tmp_path, "up", "--services", "gateway,session", "--service-command", FAKE_TEMPLATE
        )
        assert wait_until((tmp_path / "endpoints.json").exists, timeout=60)
        endpoints = json.loads((tmp_path / "endpoints.json").read_text())
        children = descendants(cli.pid)

        cli.send_signal(signal.SIGINT)
        output, _ = cli.communicate(timeout=60)

        assert cli.returncode == 0, output
        assert set(endpoints["services"]) == {"gateway", "session"}
        for step in ("postgres", "broker", "topics", "databases", "migrated", "ready"):
            assert step in output
        assert "Ctrl-C to stop" in output
        assert all_gone(children)
        assert not (tmp_path / "endpoints.json").exists()


def test_infra_children_die_with_a_killed_devstack(tmp_path: Path) -> None:
    cli = start_cli(tmp_path, "infra")
    assert wait_until((tmp_path / "endpoints.json").exists, timeout=60)
    endpoints = json.loads((tmp_path / "endpoints.json").read_text())
    children = descendants(cli.pid)
    assert len(children) >= 2  # tansu and postgres with its workers
    assert set(endpoints["services"]) == set(SERVICES)
    assert "http_url" not in endpoints["services"]["gateway"]

    cli.kill()  # no chance to clean up: the kernel's parent-death signal does it
    cli.communicate(timeout=10)

    assert all_gone(children, timeout=15)


def test_a_startup_failure_exits_1_and_says_why(tmp_path: Path) -> None:
    cli = start_cli(
        tmp_path,
        "up",
        "--services",
        "cdr",
        "--ready-timeout",
        "5",
        "--service-command",
        f"{sys.executable} -c 'raise SystemExit(4)'",
    )
    output, _ = cli.communicate(timeout=60)

    assert cli.returncode == 1
    assert "cdr: migrate exited with 4" in output
    assert "postgres       stopped" in output


def test_a_second_devstack_on_the_same_state_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "devstack.pid").write_text(str(os.getppid()))  # a live process that is not us
    devstack = Devstack(tmp_path, free_ports=True, progress=Progress.silent())

    with pytest.raises(StateDirInUseError, match=r"already runs"), devstack:
        devstack.start_infra()

    assert (tmp_path / "devstack.pid").read_text() == str(os.getppid())
