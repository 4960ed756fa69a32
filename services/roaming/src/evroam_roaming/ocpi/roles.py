"""Which roles may call an interface (OCPI 2.2.1 section 1.1, the interface table: each module's
Sender and Receiver belong to one role, their client to the other). The role is the one our
operator admitted the partner with; a hub acts for either side (section 1.5).

A caller of another role gets HTTP 403 with OCPI 2000 (the spec names no code for it), before
anything of the request is read: docs/adr/0019-emsp-tokens-and-commands.md and
docs/adr/0024-emsp-receivers-accept-only-cpos.md.
"""

# No `from __future__ import annotations`: FastAPI reads the `Depends` of a local dependency
# from the annotations, which must therefore be objects, not strings.
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from evroam_contracts.roaming import Role
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.auth import Caller
from evroam_roaming.ocpi.envelope import OcpiError, StatusCode
from evroam_roaming.ocpi.headers import routing_headers

FORBIDDEN = 403
CallerOf = Callable[..., Awaitable[Caller]]


def caller_in_role(
    us: Party, caller_of: CallerOf, roles: frozenset[Role], refusal: str
) -> CallerOf:
    """A FastAPI dependency: the caller `caller_of` resolves, if its platform was admitted
    with one of `roles`; otherwise the request ends with HTTP 403, the message `refusal` and
    the role the caller has."""

    async def dependency(caller: Annotated[Caller, Depends(caller_of)]) -> Caller:
        if caller.partner.role not in roles:
            raise OcpiError(
                FORBIDDEN,
                StatusCode.CLIENT_ERROR,
                f"{refusal}; your platform is registered as {caller.partner.role}",
                routing_headers(us, caller.party),
            )
        return caller

    return dependency
