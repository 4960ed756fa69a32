"""HTTP pieces shared by the services' APIs."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Header, HTTPException, status


def require_admin(token: str | None) -> Callable[[str | None], None]:
    """A dependency that lets a request through only with `Authorization: Bearer <token>`."""

    def check(authorization: str | None = Header(default=None)) -> None:
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not token or not given or not hmac.compare_digest(given, token):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "admin token missing or wrong",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check
