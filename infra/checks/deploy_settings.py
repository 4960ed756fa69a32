"""Checks that the environment compose and Kubernetes give each service matches the settings
class the service really has: nothing required is missing, nothing set is unknown (a typo or a
removed setting would be ignored in silence: the classes use extra="ignore"), every value
validates, and what two services must agree on agrees.

The settings classes are imported from the installed services, so a new setting is seen here
the moment it is written."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from deploy_compose import COMPOSE_FILE
from deploy_contract import SERVICES
from deploy_env import Env, compose_environments, k8s_environments
from deploy_k8s import per_target
from pydantic import ValidationError

from evroam_authorization.settings import AuthorizationSettings
from evroam_billing.domain.statement_errors import InvalidPartyError
from evroam_billing.domain.statements import parse_parties
from evroam_billing.settings import BillingSettings
from evroam_cdr.settings import CdrSettings
from evroam_gateway.settings import GatewaySettings
from evroam_roaming.settings import RoamingSettings
from evroam_runtime import ServiceSettings
from evroam_session.settings import SessionSettings
from evroam_tariff.settings import TariffSettings

SETTINGS: dict[str, type[ServiceSettings]] = {
    "gateway": GatewaySettings,
    "authorization": AuthorizationSettings,
    "tariff": TariffSettings,
    "session": SessionSettings,
    "cdr": CdrSettings,
    "roaming": RoamingSettings,
    "billing": BillingSettings,
}

# Settings whose default is only right on a laptop (a 127.0.0.1 address, no admin token, the
# demo party), so every deployment sets them; fields without a default are added to these.
DEPLOYED_BY_EVERY_SERVICE = frozenset(
    {"database_url", "kafka_bootstrap_servers", "http_host", "http_port", "admin_token"}
)
DEPLOYED: dict[str, frozenset[str]] = {
    # Stations connect from outside; other replicas hand commands over to this one's own
    # address (the default, http://<http_host>:<port>, is 0.0.0.0 in a container).
    "gateway": frozenset({"ocpp_host", "ocpp_port", "advertised_url"}),
    # Who we are to partners (OCPI 2.2.1 section 1.1) and where they reach us.
    "roaming": frozenset({"public_url", "country_code", "party_id", "business_name"}),
    # Whose drivers we invoice, and what the invoices print as their issuer.
    "billing": frozenset({"own_parties", "issuer_details"}),
}
# `migrate` only opens the database.
DEPLOYED_FOR_MIGRATE = frozenset({"database_url"})
# Variables that are not evroam settings: the OpenTelemetry SDK's own, and helpers that only
# feed a Kubernetes $(VAR) expansion (EVROAM_GATEWAY_ADVERTISED_URL=http://$(POD_IP):8101).
FOREIGN_PREFIXES = ("OTEL_",)
HELPERS = frozenset({"POD_IP"})
_UNEXPANDED = re.compile(r"\$\(\w+\)")

Role = tuple[str, str]  # (service, "app" | "migrate")
Containers = dict[Role, Env]


def variable_name(svc: str, field: str) -> str:
    return f"{SETTINGS[svc].model_config.get('env_prefix', '')}{field}".upper()


def required_fields(svc: str) -> frozenset[str]:
    return frozenset(name for name, f in SETTINGS[svc].model_fields.items() if f.is_required())


def prefix_problems() -> list[str]:
    """The settings classes are the ones the manifests are checked against: one per service,
    each reading EVROAM_<SVC>_*."""
    problems = [] if set(SETTINGS) == set(SERVICES) else [f"settings of {set(SETTINGS)}"]
    return problems + [
        f"{svc}: {cls.__name__} reads {cls.model_config.get('env_prefix')!r}"
        for svc, cls in SETTINGS.items()
        if cls.model_config.get("env_prefix") != f"EVROAM_{svc.upper()}_"
    ]


def compose_containers(doc: Mapping[str, Any]) -> Containers:
    envs = compose_environments(doc)
    found = {(svc, "app"): envs.get(svc) for svc in SERVICES}
    found |= {(svc, "migrate"): envs.get(f"{svc}-migrate") for svc in SERVICES}
    return {role: env for role, env in found.items() if env is not None}


def k8s_containers(objects: list[dict[str, Any]]) -> Containers:
    envs = k8s_environments(objects)
    found = {
        (svc, role): envs.get(f"evroam-{svc}/{role}")
        for svc in SERVICES
        for role in ("app", "migrate")
    }
    return {role: env for role, env in found.items() if env is not None}


def variable_problems(svc: str, role: str, env: Env) -> list[str]:
    known = {variable_name(svc, field) for field in SETTINGS[svc].model_fields}
    problems = [
        f"{svc} {role}: {name} is not a setting of {SETTINGS[svc].__name__}"
        for name in sorted(env)
        if name not in known and name not in HELPERS and not name.startswith(FOREIGN_PREFIXES)
    ]
    # The kubelet leaves $(VAR) as it is when VAR is not defined before it in the container.
    return problems + [
        f"{svc} {role}: {name}={value!r} refers to a variable not defined before it"
        for name, value in sorted(env.items())
        if _UNEXPANDED.search(value)
    ]


def missing_problems(svc: str, role: str, env: Env) -> list[str]:
    if role == "migrate":
        wanted = DEPLOYED_FOR_MIGRATE
    else:
        wanted = DEPLOYED_BY_EVERY_SERVICE | DEPLOYED.get(svc, frozenset())
    return [
        f"{svc} {role}: {variable_name(svc, field)} is not set"
        for field in sorted(wanted | required_fields(svc))
        if not env.get(variable_name(svc, field))
    ]


def parse(svc: str, env: Env) -> ServiceSettings:
    """The settings the service would start with: its own class reading only `env` (the checking
    process's own variables are hidden, so a developer's EVROAM_* cannot fill a gap)."""
    with mock.patch.dict(os.environ, env, clear=True):
        return SETTINGS[svc]()


def _party_problems(roaming: RoamingSettings, billing: BillingSettings) -> list[str]:
    try:
        own = {str(party) for party in parse_parties(billing.own_parties)}
    except InvalidPartyError as error:
        return [f"billing: EVROAM_BILLING_OWN_PARTIES: {error}"]
    us = f"{roaming.country_code}*{roaming.party_id}"
    problems = []
    if us not in own:
        problems.append(
            f"roaming's own party {us} is not among billing's own parties {sorted(own)}: our "
            "drivers' CDRs would be settled with ourselves instead of invoiced"
        )
    # Invoices look their issuer up by the token's party, spelt `NL*EVR`.
    problems += [
        f"billing: issuer details for {key!r}, which is not an own party {sorted(own)}"
        for key in sorted(set(billing.issuer_details) - own)
    ]
    problems += [
        f"billing: own party {party} has no issuer details: its invoices would print no "
        "address or VAT number"
        for party in sorted(own - set(billing.issuer_details))
    ]
    return problems


def agreement_problems(parsed: Mapping[str, ServiceSettings]) -> list[str]:
    """What two services, or two settings of one, must agree on."""
    roaming, billing = parsed.get("roaming"), parsed.get("billing")
    gateway = parsed.get("gateway")
    problems = []
    if isinstance(roaming, RoamingSettings) and isinstance(billing, BillingSettings):
        problems += _party_problems(roaming, billing)
    if isinstance(roaming, RoamingSettings) and isinstance(gateway, GatewaySettings):
        # OCPI 2.2.1 section 13: the CommandResult must reach the eMSP within the timeout we
        # promised it, so the station must be given up on well before.
        station = min(gateway.command_timeout_s, roaming.command_station_timeout_s)
        if roaming.command_result_timeout_s <= station:
            problems.append(
                f"roaming promises CommandResults within {roaming.command_result_timeout_s}s "
                f"but the gateway may wait {station}s for the station"
            )
    return problems


def settings_problems(containers: Containers) -> list[str]:
    problems: list[str] = []
    parsed: dict[str, ServiceSettings] = {}
    for svc in SERVICES:
        for role in ("app", "migrate"):
            env = containers.get((svc, role))
            if env is None:
                problems.append(f"{svc} {role}: no container")
                continue
            problems += variable_problems(svc, role, env) + missing_problems(svc, role, env)
            try:
                settings = parse(svc, env)
            except ValidationError as error:
                problems += [
                    f"{svc} {role}: {variable_name(svc, str(e['loc'][0]))}: {e['msg']}"
                    for e in error.errors()
                ]
                continue
            if role == "app":
                parsed[svc] = settings
    return problems + agreement_problems(parsed)


# Docs that name settings, and how they name them: EVROAM_<SVC>_HTTP_PORT for every service.
DOCUMENTED = (Path("docs/service-runtime.md"), Path("k8s/README.md"))
_DOCUMENTED_VARIABLE = re.compile(r"EVROAM_([A-Z]+|<SVC>)_([A-Z0-9_]*[A-Z0-9])\b")


def documented_variable_problems(root: Path) -> list[str]:
    """Every EVROAM_<SVC>_* variable the deployment docs name is a setting (of every service for
    <SVC>), so the docs cannot keep describing a renamed or removed one."""
    problems = []
    for doc in DOCUMENTED:
        for service, field in _DOCUMENTED_VARIABLE.findall((root / doc).read_text()):
            svc = service.lower()
            if service == "<SVC>":
                known = set(ServiceSettings.model_fields)
            elif svc in SETTINGS:
                known = set(SETTINGS[svc].model_fields)
            else:
                continue  # EVROAM_LOG_LEVEL, EVROAM_IMAGE_TAG_*: compose variables, not settings
            if field.lower() not in known:
                problems.append(f"{doc}: EVROAM_{service}_{field} is not a setting")
    return problems


def check_settings(root: Path) -> list[str]:
    doc = yaml.safe_load((root / COMPOSE_FILE).read_text())
    problems = prefix_problems() + documented_variable_problems(root)
    problems += [f"{COMPOSE_FILE}: {p}" for p in settings_problems(compose_containers(doc))]
    return problems + per_target(
        root,
        lambda target, objects: [
            f"{target.path}: {p}" for p in settings_problems(k8s_containers(objects))
        ],
    )
