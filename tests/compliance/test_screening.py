"""Importing lists into versions, what changed, and screening names and addresses."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from bench.sanctions_gen import write_list
from compliance import kyc
from compliance.models import SanctionsAddress, SanctionsEntry, SanctionsList, ScreeningResult
from compliance.sanctions.store import list_import
from compliance.screening import screen_address, screen_name
from tests.compliance.lists import ETH_LISTED, write_sdn
from tests.factories import TokenFactory

pytestmark = pytest.mark.django_db

EXTRA = """  <sdnEntry>
    <uid>36003</uid><firstName>José</firstName><lastName>GARCÍA-LÓPEZ</lastName><sdnType>Individual</sdnType>
    <akaList><aka><uid>9</uid><type>a.k.a.</type><category>weak</category><firstName>Pepe</firstName><lastName>Navaja</lastName></aka></akaList>
  </sdnEntry>
"""


@pytest.mark.parametrize("fmt", ["sdn_xml", "advanced_xml", "csv"])
def test_each_form_imports_as_a_version_with_its_names_and_addresses(tmp_path, fmt):
    path = tmp_path / "list" if fmt == "csv" else tmp_path / "list.xml"
    write_list(path, fmt, 300, seed=3)
    report = list_import(path)
    version = report.version
    assert version is not None
    assert version.format == fmt
    assert SanctionsEntry.objects.filter(version=version).count() == version.entry_count == 300
    assert version.address_count == SanctionsAddress.objects.filter(version=version).count() > 0
    assert len(report.added) == 300
    assert report.previous is None
    # The same file again is not a new version.
    assert list_import(path).version is None
    assert SanctionsList.objects.count() == 1


def test_a_malformed_file_changes_nothing_and_says_where(tmp_path, sdn_list):
    bad = tmp_path / "bad.xml"
    bad.write_text("<sdnList><sdnEntry><uid>1</uid><lastName>A</lastName></sdnEntry><sdnEntry>")
    before = (
        SanctionsList.objects.count(),
        SanctionsEntry.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(CommandError, match=r"nothing was imported: bad.xml line 1"):
        call_command("import_sanctions", str(bad), verbosity=0)
    after = (
        SanctionsList.objects.count(),
        SanctionsEntry.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_the_command_prints_what_changed_against_the_previous_version(tmp_path, sdn_list, capsys):
    path = write_sdn(tmp_path, eth="0x" + "ab" * 20, extra=EXTRA, name="next.xml")
    call_command("import_sanctions", str(path), verbosity=1)
    out = capsys.readouterr()
    assert "entries added: 1: 36003" in out.out
    assert "entries changed: 1: 36001" in out.out
    assert f"addresses removed: 1: ETH {ETH_LISTED}" in out.out
    assert "addresses added: 1: ETH 0x" + "ab" * 20 in out.out
    assert "100%" in out.err  # the progress bars
    assert AuditEvent.objects.filter(action="compliance.sanctions_imported").count() == 2


def test_addresses_hit_exactly_in_any_letter_case(sdn_list):
    for spelling in (ETH_LISTED, ETH_LISTED.lower(), "0x" + ETH_LISTED[2:].upper()):
        (hit,) = screen_address(spelling)
        assert (hit.uid, hit.matched, hit.score) == ("36001", ETH_LISTED, 100)
    assert screen_address(ETH_LISTED[:-1] + "C") == []
    assert screen_address("1FfmbHfnpaZjKFvyi1okTjJJusN455paPH")[0].uid == "36001"
    # Base58 is case-sensitive: another case is another address.
    assert screen_address("1ffmbhfnpazjkfvyi1oktjjjusn455paph") == []


def test_names_hit_through_aliases_word_order_accents_and_punctuation(tmp_path):
    list_import(write_sdn(tmp_path, extra=EXTRA))
    assert [h.uid for h in screen_name("petrovsky, ivan")] == ["36001"]
    assert [h.uid for h in screen_name("Jose Garcia Lopez")] == ["36003"]
    assert screen_name("JOSÉ GARCÍA-LÓPEZ")[0].score == 100
    (alias,) = screen_name("Navaja, Pepe")
    assert (alias.uid, alias.matched) == ("36003", "Pepe Navaja")
    (fuzzy,) = screen_name("Ivan Petrovski")  # one letter off
    assert fuzzy.uid == "36001"
    assert 88 <= fuzzy.score < 100
    assert screen_name("Ivan Petrovski", threshold=99) == []
    assert screen_name("Maria Schmidt") == []  # nothing near


def test_the_screen_command_prints_hits_as_json_and_exits_1_on_a_hit(sdn_list, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("screen", "--address", ETH_LISTED.lower())
    assert exited.value.code == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["hits"] == [
        {"uid": "36001", "matched": ETH_LISTED, "score": 100, "list_version": sdn_list.pk}
    ]
    call_command("screen", "--name", "Maria Schmidt")  # no hit: returns, exit status 0
    assert json.loads(capsys.readouterr().out)["hits"] == []


def test_a_new_version_screens_every_token_and_clears_what_left_the_list(tmp_path, db):
    token = TokenFactory(address=ETH_LISTED)
    list_import(write_sdn(tmp_path))
    (hit,) = ScreeningResult.objects.filter(subject_type="token", subject_id=token.pk)
    assert (hit.status, hit.address) == ("open", ETH_LISTED.lower())
    list_import(write_sdn(tmp_path, eth="0x" + "cd" * 20, name="v2.xml"))
    hit.refresh_from_db()
    assert hit.status == "cleared"
    assert "no longer listed" in hit.reason


def test_a_token_stored_after_the_import_is_screened_as_it_arrives(sdn_list):
    token = TokenFactory(address=ETH_LISTED)
    assert ScreeningResult.objects.filter(subject_type="token", subject_id=token.pk).exists()


def test_a_party_named_on_the_list_has_a_hit_an_officer_resolves(sdn_list, officers):
    from compliance.screening import result_resolve

    party = kyc.party_create(actor=officers[0], name="Petrovsky Ivan")
    (hit,) = ScreeningResult.objects.filter(subject_type="party", subject_id=party.pk)
    assert (hit.entry_uid, hit.status) == ("36001", "open")
    resolved = result_resolve(
        result_id=hit.pk, status="false_positive", reason="other birth date", actor=officers[1]
    )
    assert (resolved.status, resolved.resolved_by) == ("false_positive", officers[1])
    event = AuditEvent.objects.get(action="compliance.screening_resolved")
    assert event.before == {"status": "open"}
    assert (event.after or {})["status"] == "false_positive"
