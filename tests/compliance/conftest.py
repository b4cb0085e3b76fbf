"""Compliance fixtures: two compliance officers, a party with a case, sanctions lists written
by the tests themselves."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from compliance import crypto, kyc
from compliance.models import KycCase, Party
from tests.compliance.lists import ETH_LISTED, SDN_XML, write_sdn
from tests.personas import make_user

__all__ = ("ETH_LISTED", "SDN_XML", "write_sdn")

# The smallest files of each accepted type (their signatures, then filler).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _keys():
    crypto.keys_reload()
    yield
    crypto.keys_reload()


@pytest.fixture
def officers(db):
    return (
        make_user("cora", Role.COMPLIANCE_OFFICER),
        make_user("carl", Role.COMPLIANCE_OFFICER),
    )


@pytest.fixture
def party(officers) -> Party:
    return kyc.party_create(
        actor=officers[0],
        name="Émilie Durand-Lefèvre",
        birth_date="1984-02-29",
        document_number="X1234567",
        postal_address="12 rue des Lilas, 75011 Paris",
        country="FR",
    )


def submitted_case(party: Party, maker, risk: str = KycCase.Risk.MEDIUM) -> KycCase:
    case = kyc.case_open(party_id=party.pk, actor=maker, risk=risk)
    kyc.document_add(case_id=case.pk, actor=maker, content=PDF, filename="passport.pdf")
    return kyc.case_submit(case_id=case.pk, actor=maker)


@pytest.fixture
def sdn_list(db, tmp_path):
    """The small classic-XML list above, imported."""
    from compliance.sanctions.store import list_import

    return list_import(write_sdn(tmp_path)).version
