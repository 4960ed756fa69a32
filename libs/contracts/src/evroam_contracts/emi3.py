"""eMI3 contract ids (the eMA ID of ISO 15118-2 Annex H with the eMI3 / DIN SPEC 91286 id
type): `CC-PPP-CXXXXXXXX-D`.

- `CC`: the provider's ISO 3166-1 alpha-2 country code (2 letters);
- `PPP`: the provider id (3 alphanumerics);
- `C`: the id type, "C" for a contract; with the 8 alphanumerics after it, the 9-character
  eMA instance of ISO 15118;
- `D`: the check digit (1 alphanumeric), optional on input.

The separators `-` are optional (ISO 15118 transfers the id without them) but go only where
the specification puts them: after the country code, after the provider id and before the
check digit (eMI3 v1.0 Part 2, section 1.2.2.1: "DE-8AA-CA2B3C4D5-L"). Letters are read
case-insensitively; the canonical form is upper case with the separators.

The check digit is the one of "Check Digit Calculation for Contract-IDs" (eMI3; the same
algorithm as ISO 15118-2 Annex H): every character stands for a 2x2 matrix whose first row is
over GF(2) and whose second row is over GF(3), and the 15 characters c1..c15 must satisfy
sum(q(c_k) * P^k) = 0, with P = [[0, 1], [1, 1]] on the GF(2) rows and P = [[0, 1], [1, 2]] on
the GF(3) rows. The check digit is the character whose matrix solves that equation, which
catches every single-character error and every swap of two adjacent characters.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

ALPHABET = string.digits + string.ascii_uppercase
ID_TYPE = "C"
SEPARATOR = "-"
BODY_LENGTH = 14  # country code 2 + provider id 3 + id type 1 + instance 8

Matrix = tuple[int, int, int, int]  # (m11, m12, m21, m22)
Row = tuple[int, int]


class InvalidContractIdError(ValueError):
    """The text is not an eMI3 contract id; the message says which part is wrong."""


def _multiply(a: Matrix, b: Matrix, modulus: int) -> Matrix:
    return (
        (a[0] * b[0] + a[1] * b[2]) % modulus,
        (a[0] * b[1] + a[1] * b[3]) % modulus,
        (a[2] * b[0] + a[3] * b[2]) % modulus,
        (a[2] * b[1] + a[3] * b[3]) % modulus,
    )


def _powers(p: Matrix, modulus: int, count: int) -> list[Matrix]:
    """[P^1, ..., P^count] modulo `modulus`."""
    result = [p]
    while len(result) < count:
        result.append(_multiply(result[-1], p, modulus))
    return result


def _negated_inverse(m: Matrix, modulus: int) -> Matrix:
    """-(M^-1) modulo a prime `modulus`."""
    det_inverse = pow((m[0] * m[3] - m[1] * m[2]) % modulus, -1, modulus)
    a, b, c, d = ((-x * det_inverse) % modulus for x in (m[3], -m[1], -m[2], m[0]))
    return (a, b, c, d)


def _times(row: Row, m: Matrix, modulus: int) -> Row:
    return ((row[0] * m[0] + row[1] * m[2]) % modulus, (row[0] * m[1] + row[1] * m[3]) % modulus)


def _matrix_of(index: int) -> Matrix:
    # The specification's table, read as a formula: the character at `index` in 0-9A-Z has
    # the GF(2) row (index // 18, index // 9 mod 2) and the GF(3) row (index // 3 mod 3,
    # index mod 3), so all 36 characters get distinct matrices.
    return (index // 18, (index // 9) % 2, (index // 3) % 3, index % 3)


_MATRIX = {c: _matrix_of(i) for i, c in enumerate(ALPHABET)}
_CHARACTER = {m: c for c, m in _MATRIX.items()}
_P1 = (0, 1, 1, 1)  # over GF(2)
_P2 = (0, 1, 1, 2)  # over GF(3)
_P1_POWERS = _powers(_P1, 2, BODY_LENGTH)
_P2_POWERS = _powers(_P2, 3, BODY_LENGTH)
_P1_CLOSE = _negated_inverse(_powers(_P1, 2, BODY_LENGTH + 1)[-1], 2)  # -P1^-15
_P2_CLOSE = _negated_inverse(_powers(_P2, 3, BODY_LENGTH + 1)[-1], 3)  # -P2^-15


def check_digit(body: str) -> str:
    """The check digit of the 14 characters before it (country code, provider id, id type and
    instance, without separators; any case)."""
    text = body.upper()
    if len(text) != BODY_LENGTH or not all(c in _MATRIX for c in text):
        raise InvalidContractIdError(
            f"a check digit is computed over {BODY_LENGTH} letters and digits, not {body!r}"
        )
    gf2, gf3 = (0, 0), (0, 0)
    for c, p1, p2 in zip(text, _P1_POWERS, _P2_POWERS, strict=True):
        q = _MATRIX[c]
        step2, step3 = _times((q[0], q[1]), p1, 2), _times((q[2], q[3]), p2, 3)
        gf2 = ((gf2[0] + step2[0]) % 2, (gf2[1] + step2[1]) % 2)
        gf3 = ((gf3[0] + step3[0]) % 3, (gf3[1] + step3[1]) % 3)
    return _CHARACTER[_times(gf2, _P1_CLOSE, 2) + _times(gf3, _P2_CLOSE, 3)]


@dataclass(frozen=True)
class ContractId:
    """A well-formed eMI3 contract id whose check digit is right."""

    country_code: str
    provider_id: str
    instance: str  # the 8 characters after the id type "C"
    check_digit: str

    @classmethod
    def new(cls, country_code: str, provider_id: str, instance: str) -> ContractId:
        """The contract id of these parts, with its check digit computed."""
        return parse_contract_id(f"{country_code}{provider_id}{ID_TYPE}{instance}")

    @property
    def compact(self) -> str:
        """Without separators, as ISO 15118 transfers it: `DE8AACA2B3C4D5L`."""
        return f"{self.country_code}{self.provider_id}{ID_TYPE}{self.instance}{self.check_digit}"

    def __str__(self) -> str:
        return f"{self.country_code}-{self.provider_id}-{ID_TYPE}{self.instance}-{self.check_digit}"


def _compact(text: str) -> str:
    compact = text.replace(SEPARATOR, "")
    if len(compact) not in (BODY_LENGTH, BODY_LENGTH + 1):
        raise InvalidContractIdError(
            f"contract id {text!r} has {len(compact)} characters without separators; an eMI3 "
            f"contract id has {BODY_LENGTH}, or {BODY_LENGTH + 1} with its check digit"
        )
    parts = text.split(SEPARATOR)
    if len(parts) > 1 and [len(p) for p in parts] not in ([2, 3, 9], [2, 3, 9, 1]):
        raise InvalidContractIdError(
            f"contract id {text!r}: the separators '-' go after the country code, after the "
            "provider id and before the check digit, as in DE-8AA-CA2B3C4D5-L"
        )
    return compact


def _check_parts(text: str, compact: str) -> None:
    rules = (
        (compact[0:2], string.ascii_uppercase, "country code", "2 letters"),
        (compact[2:5], ALPHABET, "provider id", "3 letters or digits"),
        (compact[5], ID_TYPE, "id type", "'C' (contract)"),
        (compact[6:14], ALPHABET, "instance", "8 letters or digits"),
        (compact[14:], ALPHABET, "check digit", "a letter or a digit"),
    )
    for value, allowed, part, expected in rules:
        if not all(c in allowed for c in value):
            raise InvalidContractIdError(
                f"contract id {text!r}: the {part} {value!r} must be {expected}"
            )


def parse_contract_id(text: str) -> ContractId:
    """Read a contract id in any of its spellings. A check digit that is present must be right;
    a missing one is computed."""
    if not text.isascii():
        raise InvalidContractIdError(f"contract id {text!r} has characters that are not ASCII")
    compact = _compact(text.strip().upper())
    _check_parts(text, compact)
    expected = check_digit(compact[:BODY_LENGTH])
    given = compact[BODY_LENGTH:]
    if given and given != expected:
        raise InvalidContractIdError(
            f"contract id {text!r}: the check digit is {given!r} but must be {expected!r}"
        )
    return ContractId(compact[0:2], compact[2:5], compact[6:14], expected)


def validate_contract_id(text: str) -> str:
    """The canonical form (`DE-8AA-CA2B3C4D5-L`) of a contract id that carries its check
    digit and whose check digit is right."""
    contract = parse_contract_id(text)
    if len(text.replace(SEPARATOR, "").strip()) == BODY_LENGTH:
        raise InvalidContractIdError(
            f"contract id {text!r} has no check digit; with it, it is {contract}"
        )
    return str(contract)


def normalise_contract_id(text: str) -> str:
    """The canonical form of a contract id, its check digit added when missing."""
    return str(parse_contract_id(text))
