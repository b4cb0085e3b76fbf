"""Error reports carry no personal data: Sentry, as the product starts it, sends an exception
raised while a party's name is in a local variable and a request body held it (Sentry's server
is the one part mocked: a transport that keeps the events)."""

from __future__ import annotations

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from core.observability import sentry_options

pytestmark = pytest.mark.django_db

# The personal values, far from the frames a report shows the source lines of.
NAME = "Émilie Durand-Lefèvre"
NUMBER = "X99887766"


class Kept(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


def test_an_error_report_holds_no_personal_value(settings, officers):
    from compliance import kyc

    settings.SENTRY_DSN = "https://public@sentry.invalid/1"
    kept = Kept()
    options = {**sentry_options(), "transport": kept, "integrations": []}
    client = sentry_sdk.Client(**options)
    with sentry_sdk.isolation_scope() as scope:
        scope.set_client(client)
        try:
            party = kyc.party_create(actor=officers[0], name=NAME, document_number=NUMBER)
            document_number = party.document_number  # a local holding personal data
            raise RuntimeError(f"screening failed for {party}")
        except RuntimeError:
            sentry_sdk.capture_exception()
        client.flush()
    assert document_number
    payload = " ".join(
        item.payload.get_bytes().decode(errors="replace")
        for envelope in kept.envelopes
        for item in envelope.items
    )
    assert "screening failed for Party #" in payload  # the report was sent
    for value in (NAME, NUMBER, NAME.split()[1]):
        assert value not in payload
        assert json.dumps(value)[1:-1] not in payload
