"""Personal data: ciphertext in the row, plaintext through the model, exact lookups through the
blind index only, key rotation without loss."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from compliance import crypto, kyc
from compliance.models import KycDocument, Party
from tests.compliance.conftest import PDF

pytestmark = pytest.mark.django_db

PERSONAL = ("name", "birth_date", "document_number", "postal_address")


def _raw(table: str, columns: tuple[str, ...], pk: int) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_the_row_holds_ciphertext_and_the_model_gives_plaintext(party):
    raw = _raw("compliance_party", PERSONAL, party.pk)
    fresh = Party.objects.get(pk=party.pk)
    for column, stored in zip(PERSONAL, raw, strict=True):
        plain = getattr(fresh, column)
        assert plain
        assert plain not in stored
        assert stored.startswith("gAAAAA")  # a Fernet token (version byte 0x80, base64)
        assert crypto.decrypt(stored.encode()).decode() == plain
    assert fresh.name == "Émilie Durand-Lefèvre"
    assert fresh.birth_date == "1984-02-29"


def test_a_document_is_encrypted_with_its_file_name(party, officers):
    case = kyc.case_open(party_id=party.pk, actor=officers[0])
    document = kyc.document_add(case_id=case.pk, actor=officers[0], content=PDF, filename="id.pdf")
    content, filename = _raw("compliance_kycdocument", ("content", "filename"), document.pk)
    assert b"%PDF" not in bytes(content)
    assert "id.pdf" not in filename
    fresh = KycDocument.objects.get(pk=document.pk)
    assert bytes(fresh.content) == PDF
    assert fresh.filename == "id.pdf"


def test_names_are_found_exactly_through_the_blind_index(party, officers):
    other = kyc.party_create(actor=officers[0], name="Emilie Durand")
    for spelling in ("Émilie Durand-Lefèvre", "durand lefevre, EMILIE", "Lefèvre Durand Émilie"):
        assert kyc.parties_named(spelling) == [party]
    assert kyc.parties_named("Emilie Durand") == [other]
    assert kyc.parties_named("Emilie Durand-Lefevr") == []
    # The index is keyed: without the key the name's hash is not it.
    assert party.name_index != hashlib.sha256(b"durand emilie lefevre").hexdigest()
    with pytest.raises(FieldError, match="blind index"):
        list(Party.objects.filter(**{"name": "Émilie Durand-Lefèvre"}))
    with pytest.raises(FieldError):
        list(Party.objects.filter(**{"name__icontains": "mili"}))


def test_rotation_re_encrypts_every_row_and_loses_nothing(officers, monkeypatch, settings):
    settings.PII_KEYS_FROM_SECRET_KEY = False
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old_index, new_index = "index-key-one", "index-key-two"
    monkeypatch.setenv("ARBX_PII_KEYS", old)
    monkeypatch.setenv("ARBX_PII_INDEX_KEY", old_index)
    crypto.keys_reload()
    parties = [
        kyc.party_create(actor=officers[0], name=f"Person {n}", document_number=f"D{n}")
        for n in range(7)
    ]
    case = kyc.case_open(party_id=parties[0].pk, actor=officers[0])
    document = kyc.document_add(case_id=case.pk, actor=officers[0], content=PDF, filename="a.pdf")
    expected = {p.pk: (p.name, p.document_number) for p in parties}

    monkeypatch.setenv("ARBX_PII_KEYS", f"{new},{old}")
    monkeypatch.setenv("ARBX_PII_INDEX_KEY", new_index)
    call_command("rotate_pii_key", "--batch-size", "3", verbosity=0)

    # Only the new keys from now on: every row still reads, the index finds the new names.
    monkeypatch.setenv("ARBX_PII_KEYS", new)
    crypto.keys_reload()
    for pk, (name, number) in expected.items():
        row = Party.objects.get(pk=pk)
        assert (row.name, row.document_number) == (name, number)
        (stored,) = _raw("compliance_party", ("name",), pk)
        assert Fernet(new.encode()).decrypt(stored.encode()).decode() == name
    assert kyc.parties_named("person 3") == [Party.objects.get(pk=parties[3].pk)]
    assert bytes(KycDocument.objects.get(pk=document.pk).content) == PDF
    # The old key alone no longer opens anything.
    monkeypatch.setenv("ARBX_PII_KEYS", old)
    crypto.keys_reload()
    with pytest.raises(crypto.PersonalDataError):
        Party.objects.get(pk=parties[0].pk)


def test_audit_rows_of_a_party_hold_ids_not_personal_data(party, officers):
    from accounts.models import AuditEvent

    kyc.party_update(party_id=party.pk, actor=officers[1], postal_address="1 Main St")
    rows = AuditEvent.objects.filter(category="compliance")
    text = " ".join(f"{r.target_repr} {r.before} {r.after}" for r in rows)
    assert rows.filter(action="compliance.party_updated").exists()
    for value in ("Émilie", "Durand", "1984-02-29", "X1234567", "Lilas", "1 Main St"):
        assert value not in text
