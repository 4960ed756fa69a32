"""The devstack's tests run a fake service (fake_service.py) in place of the real seven."""

from __future__ import annotations

import sys
from pathlib import Path

# The repo runs pytest with --import-mode=importlib, which puts no test directory on sys.path;
# the tests here share process_watch.py, so this directory goes on it.
sys.path.insert(0, str(Path(__file__).parent))
