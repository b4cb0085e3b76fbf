"""The demo's compliance side: two compliance officers, a small sanctions list, and a KYC queue
with documents, so a new user can review and approve a case (development only)."""

from __future__ import annotations

import datetime as dt
import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from compliance import kyc
from compliance.models import KycCase, Party
from compliance.sanctions.store import list_import

# Fictional entries in the classic SDN XML form (the demo's own list, not OFAC's).
DEMO_LIST = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>12/01/2026</Publish_Date></publshInformation>
  <sdnEntry><uid>90001</uid><firstName>Viktor</firstName><lastName>KRASNOV</lastName>
    <sdnType>Individual</sdnType><programList><program>CYBER2</program></programList>
    <akaList><aka><uid>1</uid><type>a.k.a.</type><category>strong</category>
      <lastName>Vic the Mixer</lastName></aka></akaList>
    <idList><id><uid>2</uid><idType>Digital Currency Address - ETH</idType>
      <idNumber>0x000000000000000000000000000000000000dEaD</idNumber></id></idList></sdnEntry>
  <sdnEntry><uid>90002</uid><lastName>NORTHERN LIGHT EXCHANGE LTD.</lastName>
    <sdnType>Entity</sdnType><programList><program>CYBER2</program></programList></sdnEntry>
</sdnList>
"""


def _pdf(title: str) -> bytes:
    """A one-page PDF showing `title`."""
    stream = f"BT /F1 24 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png(width: int = 320, height: int = 200) -> bytes:
    """A PNG of a plain card (a stand-in for a scanned ID)."""
    raw = b"".join(
        b"\x00"
        + b"".join(
            bytes((40, 90, 160))
            if 20 < y < height - 20 and 20 < x < width - 20
            else bytes((235, 235, 235))
            for x in range(width)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _officer(username: str, password: str | None) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    user.is_staff = True
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=Role.COMPLIANCE_OFFICER.value))
    return user


class Command(BaseCommand):
    help = (
        "Demo only: compliance officers 'compliance' (password from ARBX_COMPLIANCE_PASSWORD) "
        "and 'intake' (who opened the cases), a small sanctions list and a KYC queue."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("ARBX_COMPLIANCE_PASSWORD", "")
        if not password:
            raise CommandError("set ARBX_COMPLIANCE_PASSWORD (never taken from argv)")
        _officer("compliance", password)
        intake = _officer("intake", None)
        folder = Path(tempfile.mkdtemp(prefix="arbx-demo-list-"))
        (folder / "sdn.xml").write_text(DEMO_LIST)
        list_import(folder / "sdn.xml", actor=intake)
        if Party.objects.exists():
            self.stdout.write("The demo's KYC queue exists already.")
            return
        today = timezone.localdate()
        people = (
            (
                "Amelia Hart",
                "1988-04-12",
                "P4471920",
                "4 Elm Row, Edinburgh",
                "GB",
                KycCase.Risk.MEDIUM,
                1,
            ),
            (
                "Kenji Watanabe",
                "1979-11-03",
                "TK0091822",
                "2-1 Sakura, Tokyo",
                "JP",
                KycCase.Risk.HIGH,
                3,
            ),
            (
                "Lucía Fernández",
                "1992-07-21",
                "ES7781120",
                "Calle Mayor 9, Madrid",
                "ES",
                KycCase.Risk.LOW,
                5,
            ),
        )
        for name, born, number, address, country, risk, due in people:
            party = kyc.party_create(
                actor=intake,
                name=name,
                birth_date=born,
                document_number=number,
                postal_address=address,
                country=country,
            )
            case = kyc.case_open(
                party_id=party.pk, actor=intake, risk=risk, due_date=today + dt.timedelta(days=due)
            )
            kyc.document_add(
                case_id=case.pk,
                actor=intake,
                content=_pdf(f"Passport of {name} (demo)"),
                filename="passport.pdf",
                kind="passport",
            )
            kyc.document_add(
                case_id=case.pk,
                actor=intake,
                content=_png(),
                filename="id-card.png",
                kind="id_card",
            )
            kyc.case_submit(case_id=case.pk, actor=intake, reason="documents collected")
        self.stdout.write(self.style.SUCCESS("Seeded the KYC queue: 3 cases submitted."))
