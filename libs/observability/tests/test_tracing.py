"""The OpenTelemetry resource every span of a service carries: which service, which version of
it, which replica."""

from __future__ import annotations

import pytest

from evroam_observability.tracing import service_resource


@pytest.fixture(autouse=True)
def no_resource_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)


def test_spans_name_the_service_its_version_and_the_replica_from_the_settings() -> None:
    attributes = service_resource("session", "session-7f9c-abcde", "1.4.2").attributes
    assert attributes["service.name"] == "evroam-session"
    assert attributes["service.version"] == "1.4.2"
    # not the SDK's default, a random UUID that matches nothing else an SRE sees
    assert attributes["service.instance.id"] == "session-7f9c-abcde"


def test_an_instance_id_given_in_otel_resource_attributes_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=pod-3,k8s.pod.name=pod-3")
    attributes = service_resource("session", "host-1234", "1.4.2").attributes
    assert attributes["service.instance.id"] == "pod-3"
    assert attributes["k8s.pod.name"] == "pod-3"


def test_the_installed_version_wins_over_one_a_manifest_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.version=0.9.0")
    assert service_resource("cdr", "cdr-0", "1.0.0").attributes["service.version"] == "1.0.0"
