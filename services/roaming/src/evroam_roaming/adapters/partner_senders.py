"""A partner's Sender endpoint of a module and the credentials token we present to it (token
B), for pulling (OCPI 2.2.1 section 1.8). Reads the partners projections and
`partner_secrets`."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import AsyncConnection

from evroam_roaming.domain.partners import Partner, Party


@dataclass(frozen=True)
class Sender:
    partner: Partner
    url: str
    token: str = field(repr=False)


async def sender_of_partner(conn: AsyncConnection, partner_id: str, module: str) -> Sender | None:
    """None when the partner is unknown, has not completed the handshake, or offers no
    Sender interface of `module`."""
    cur = await conn.execute(
        "SELECT p.partner_id, p.name, p.country_code, p.party_id, p.role, p.token_sha256,"
        " c.endpoints, s.credentials_token FROM view_partners_v1 p"
        " JOIN view_partner_connections_v1 c USING (partner_id)"
        " JOIN partner_secrets s USING (partner_id) WHERE p.partner_id = %s",
        (partner_id,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    pid, name, cc, party_id, role, sha256, endpoints, token = row
    urls = [e["url"] for e in endpoints if e["identifier"] == module and e["role"] == "SENDER"]
    if not urls:
        return None
    partner = Partner(pid, name, Party(cc, party_id), role, sha256)
    return Sender(partner, urls[0], token)
