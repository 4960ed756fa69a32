"""Lets the tests import the check modules beside them, whatever pytest's import mode, and
renders the deployment files once for every test module."""

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploy_compose import COMPOSE_FILE
from deploy_contract import REPO_ROOT
from deploy_k8s import TARGETS, render


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((REPO_ROOT / COMPOSE_FILE).read_text())
    return doc


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Kustomize path -> its rendered objects (kubectl kustomize takes a second each)."""
    return {target.path: render(REPO_ROOT / target.path) for target in TARGETS}
