import os

import pytest

from evroam_roaming.settings import RoamingSettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("EVROAM_ROAMING_")]:
        monkeypatch.delenv(name)


def test_defaults_follow_the_service_runtime_contract() -> None:
    settings = RoamingSettings()
    assert settings.http_port == 8106
    assert settings.database_url.endswith("/evroam_roaming")
    assert (settings.country_code, settings.party_id) == ("NL", "EVR")
    assert settings.public_url == "http://127.0.0.1:8106"


def test_the_public_url_defaults_to_the_http_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVROAM_ROAMING_HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv("EVROAM_ROAMING_HTTP_PORT", "9106")
    assert RoamingSettings().public_url == "http://0.0.0.0:9106"


def test_a_public_url_from_the_environment_wins_without_its_trailing_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVROAM_ROAMING_PUBLIC_URL", "https://ocpi.evroam.example/")
    monkeypatch.setenv("EVROAM_ROAMING_OCPI_MAX_PAGE_SIZE", "50")
    settings = RoamingSettings()
    assert settings.public_url == "https://ocpi.evroam.example"
    assert settings.ocpi_max_page_size == 50
