"""The three published forms of the OFAC SDN list, read from files the tests write (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sanctions_gen import write_list
from compliance.sanctions.formats import (
    ListedAddress,
    ListedEntry,
    SanctionsFormatError,
    detect_format,
    read_list,
)
from tests.compliance.lists import ETH_LISTED, write_sdn

ADVANCED = """<?xml version="1.0" encoding="utf-8"?>
<Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">
  <DateOfIssue><Year>2026</Year><Month>11</Month><Day>28</Day></DateOfIssue>
  <ReferenceValueSets>
    <AliasTypeValues><AliasType ID="1400">A.K.A.</AliasType><AliasType ID="1403">Name</AliasType></AliasTypeValues>
    <FeatureTypeValues>
      <FeatureType ID="8">Birthdate</FeatureType>
      <FeatureType ID="345">Digital Currency Address - ETH</FeatureType>
      <FeatureType ID="344">Digital Currency Address - XBT</FeatureType>
    </FeatureTypeValues>
    <PartySubTypeValues>
      <PartySubType ID="4" PartyTypeID="1">Individual</PartySubType>
      <PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType>
    </PartySubTypeValues>
  </ReferenceValueSets>
  <DistinctParties>
    <DistinctParty FixedRef="36001"><Profile ID="36001" PartySubTypeID="4">
      <Identity ID="1" FixedRef="36001" Primary="true">
        <Alias FixedRef="36001" AliasTypeID="1403" Primary="true" LowQuality="false">
          <DocumentedName ID="1" FixedRef="36001" DocNameStatusID="1">
            <DocumentedNamePart><NamePartValue NamePartGroupID="1" ScriptID="215">Ivan</NamePartValue></DocumentedNamePart>
            <DocumentedNamePart><NamePartValue NamePartGroupID="2" ScriptID="215">PETROVSKY</NamePartValue></DocumentedNamePart>
          </DocumentedName>
          <DocumentedName ID="2" FixedRef="36001" DocNameStatusID="2">
            <DocumentedNamePart><NamePartValue ScriptID="220">Иван Петровский</NamePartValue></DocumentedNamePart>
          </DocumentedName>
        </Alias>
        <Alias FixedRef="36001" AliasTypeID="1400" Primary="false" LowQuality="false">
          <DocumentedName ID="3" FixedRef="36001" DocNameStatusID="1">
            <DocumentedNamePart><NamePartValue ScriptID="215">Vanya the Ledger</NamePartValue></DocumentedNamePart>
          </DocumentedName>
        </Alias>
      </Identity>
      <Feature ID="9" FeatureTypeID="8"><FeatureVersion ID="9"><DatePeriod/></FeatureVersion></Feature>
      <Feature ID="10" FeatureTypeID="345"><FeatureVersion ID="10" ReliabilityID="1">
        <VersionDetail DetailTypeID="1432">{eth}</VersionDetail></FeatureVersion>
        <IdentityReference IdentityID="1" IdentityFeatureLinkTypeID="1"/></Feature>
      <Feature ID="11" FeatureTypeID="344"><FeatureVersion ID="11">
        <VersionDetail DetailTypeID="1432">1FfmbHfnpaZjKFvyi1okTjJJusN455paPH</VersionDetail></FeatureVersion></Feature>
    </Profile></DistinctParty>
    <DistinctParty FixedRef="36002"><Profile ID="36002" PartySubTypeID="3">
      <Identity ID="2" FixedRef="36002" Primary="true">
        <Alias FixedRef="36002" AliasTypeID="1403" Primary="true" LowQuality="false">
          <DocumentedName ID="4" FixedRef="36002" DocNameStatusID="1">
            <DocumentedNamePart><NamePartValue ScriptID="215">BLUE HARBOUR MIXING LTD.</NamePartValue></DocumentedNamePart>
          </DocumentedName>
        </Alias>
      </Identity>
    </Profile></DistinctParty>
  </DistinctParties>
  <SanctionsEntries>
    <SanctionsEntry ID="1" ProfileID="36001" ListID="1"><SanctionsMeasure ID="1" SanctionsTypeID="1"><Comment>CYBER2</Comment></SanctionsMeasure></SanctionsEntry>
    <SanctionsEntry ID="2" ProfileID="36002" ListID="1"><SanctionsMeasure ID="2" SanctionsTypeID="1"><Comment>CYBER2</Comment></SanctionsMeasure></SanctionsEntry>
  </SanctionsEntries>
</Sanctions>
"""

IVAN = ListedEntry(
    uid="36001",
    name="Ivan PETROVSKY",
    kind="individual",
    programs=("CYBER2",),
    aliases=("Vanya the Ledger",),
    addresses=(
        ListedAddress("ETH", ETH_LISTED.lower()),
        ListedAddress("XBT", "1FfmbHfnpaZjKFvyi1okTjJJusN455paPH"),
    ),
)


def _csv(folder: Path, *, alt_row: str = '36001,1,"aka","Vanya the Ledger",-0- ') -> Path:
    folder.mkdir()
    (folder / "SDN.CSV").write_text(
        '36001,"Ivan PETROVSKY","individual","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        f'"Digital Currency Address - ETH {ETH_LISTED.lower()}; alt. Digital Currency Ad"\n'
        '36002,"BLUE HARBOUR MIXING LTD.",-0- ,"CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
        "\x1a\n"
    )
    (folder / "alt.csv").write_text(alt_row + "\n")
    (folder / "sdn_comments.csv").write_text(
        '36001,"dress - XBT 1FfmbHfnpaZjKFvyi1okTjJJusN455paPH; Gender Male."\n'
    )
    return folder / "SDN.CSV"


def test_the_classic_xml(tmp_path):
    path = write_sdn(tmp_path, eth=ETH_LISTED.lower())
    parsed = read_list(path)
    assert (parsed.format, parsed.published) == ("sdn_xml", "11/28/2026")
    ivan, blue = parsed.entries
    assert ivan == IVAN
    assert blue == ListedEntry("36002", "BLUE HARBOUR MIXING LTD.", "entity", ("CYBER2",), (), ())
    assert len(parsed.sha256) == 64


def test_the_advanced_xml(tmp_path):
    path = tmp_path / "sdn_advanced.xml"
    path.write_text(ADVANCED.format(eth=ETH_LISTED))
    parsed = read_list(path)
    assert (parsed.format, parsed.published) == ("advanced_xml", "2026-11-28")
    ivan, blue = parsed.entries
    checksummed = ListedAddress("ETH", ETH_LISTED)
    assert ivan == IVAN.__class__(
        **{**IVAN.__dict__, "addresses": (checksummed, IVAN.addresses[1])}
    )
    assert (blue.uid, blue.name, blue.kind, blue.programs) == (
        "36002",
        "BLUE HARBOUR MIXING LTD.",
        "",
        ("CYBER2",),
    )


def test_the_csv_files_with_remarks_continued_in_the_comments(tmp_path):
    parsed = read_list(_csv(tmp_path / "lists"))
    assert parsed.format == "csv"
    ivan, blue = parsed.entries
    assert ivan == IVAN
    assert (blue.name, blue.kind, blue.addresses) == ("BLUE HARBOUR MIXING LTD.", "entity", ())
    assert read_list(tmp_path / "lists").entries == parsed.entries  # the folder works too


def test_the_format_is_recognised_from_the_content(tmp_path):
    (tmp_path / "a.txt").write_text(ADVANCED.format(eth=ETH_LISTED))
    assert detect_format(tmp_path / "a.txt") == "advanced_xml"
    assert detect_format(write_sdn(tmp_path, name="list.data")) == "sdn_xml"
    assert detect_format(_csv(tmp_path / "c")) == "csv"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("", "empty"),
        ('{"not": "a list"}', "neither"),
        ("<html><body>Service unavailable</body></html>", "root <html>"),
        (
            '<?xml version="1.0"?>\n<sdnList>\n  <sdnEntry><uid>1</uid>\n<lastName>X</lastName>\n',
            "line",
        ),
        (
            "<sdnList><sdnEntry><lastName>X</lastName></sdnEntry></sdnList>",
            "sdnEntry #1 has no uid",
        ),
        (
            "<sdnList><sdnEntry><uid>7</uid><lastName>A</lastName></sdnEntry>"
            "<sdnEntry><uid>7</uid><lastName>B</lastName></sdnEntry></sdnList>",
            "uid 7 appears twice",
        ),
    ],
)
def test_a_malformed_xml_file_is_refused_saying_where(tmp_path, content, where):
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(SanctionsFormatError, match=where) as excinfo:
        read_list(path)
    assert "bad.xml" in str(excinfo.value)


def test_a_malformed_csv_is_refused_naming_the_file_and_line(tmp_path):
    with pytest.raises(SanctionsFormatError, match=r"alt.csv line 1: alias of unknown entry 99"):
        read_list(_csv(tmp_path / "a", alt_row='99,1,"aka","Somebody",-0- '))
    broken = _csv(tmp_path / "b")
    broken.write_text(broken.read_text().replace("36002,", "36002x,"))
    with pytest.raises(SanctionsFormatError, match=r"SDN.CSV line 2"):
        read_list(broken)


@pytest.mark.parametrize("fmt", ["sdn_xml", "advanced_xml", "csv"])
def test_a_generated_list_reads_back_the_same_in_every_form(tmp_path, fmt):
    reference = read_list(_generated(tmp_path / "ref", "sdn_xml"))
    calls: list[tuple[int, int]] = []
    parsed = read_list(_generated(tmp_path / fmt, fmt), progress=lambda d, t: calls.append((d, t)))
    assert len(parsed.entries) == 200
    assert [(e.uid, e.name, e.aliases, e.addresses, e.programs) for e in parsed.entries] == [
        (e.uid, e.name, e.aliases, e.addresses, e.programs) for e in reference.entries
    ]
    assert sum(len(e.addresses) for e in parsed.entries) > 0
    assert calls
    assert calls[-1][0] == calls[-1][1]


def _generated(folder: Path, fmt: str) -> Path:
    folder.mkdir()
    path = folder if fmt == "csv" else folder / "list.xml"
    write_list(path, fmt, 200, seed=7)
    return path
