"""Which build of a service a process runs: the version of its distribution as installed, so
that a trace, a scrape or a probe during a rolling deploy tells the old replicas from the new."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# PEP 440 (a local label on 0): sorts below every real release, and says plainly what it is.
UNKNOWN_VERSION = "0+unknown"


def service_version(service: str) -> str:
    """The installed version of `evroam-<service>`, or UNKNOWN_VERSION when no such
    distribution is installed (a test's app, a script): a missing label is no reason to fail
    to start."""
    try:
        return version(f"evroam-{service}")
    except PackageNotFoundError:
        return UNKNOWN_VERSION
