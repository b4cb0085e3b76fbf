"""The three published forms of the OFAC SDN list, read from files the tests write (no database)."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bench import sanctions_gen
from bench.sanctions_gen import write_list
from compliance.sanctions.formats import (
    ListedAddress,
    ListedEntry,
    SanctionsFormatError,
    detect_format,
    read_list,
)

ETH_CHECKSUMMED = "0x7F367cC41522cE07553e823bf3be79A889DEbe1B"
ETH_LOWER = "0x8589427373d6d84e98730d7795d8f6f8731fda16"
XBT = "1FfmbHfnpaZjKFvyi1okTjJJusN455paPH"
USDT = "TNiq9AXBp9EjUqhDhrwrfvAA8U3GUQZH81"

IVAN = ListedEntry(
    uid="36001",
    name="Ivan PETROVSKY",
    kind="individual",
    programs=("CYBER2", "DPRK3"),
    aliases=("Vanya the Ledger", "Iwan PETROWSKI"),
    addresses=(ListedAddress("ETH", ETH_CHECKSUMMED), ListedAddress("XBT", XBT)),
)
BLUE = ListedEntry(
    uid="36002",
    name="BLUE HARBOUR MIXING LTD.",
    kind="entity",
    programs=("CYBER2",),
    aliases=("BLUE HARBOR MIXER",),
    addresses=(ListedAddress("ETH", ETH_LOWER), ListedAddress("USDT", USDT)),
)
SEA_STAR = ListedEntry("36003", "SEA STAR", "vessel", ("IRAN-EO13902",), (), ())

# Classic XML, as published (the namespace of the older files); the alias equal to the name,
# the alias and the address given twice, and the passport, are not read as aliases or addresses.
SDN_XML = f"""<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://tempuri.org/sdnList.xsd">
  <publshInformation>
    <Publish_Date>11/28/2026</Publish_Date>
    <Record_Count>3</Record_Count>
  </publshInformation>
  <sdnEntry>
    <uid>36001</uid>
    <firstName>Ivan</firstName>
    <lastName>PETROVSKY</lastName>
    <sdnType>Individual</sdnType>
    <programList>
      <program>CYBER2</program>
      <program>DPRK3</program>
    </programList>
    <idList>
      <id><uid>1</uid><idType>Passport</idType><idNumber>751234567</idNumber><idCountry>Russia</idCountry></id>
      <id><uid>2</uid><idType>Digital Currency Address - ETH</idType><idNumber>{ETH_CHECKSUMMED}</idNumber></id>
      <id><uid>3</uid><idType>Digital Currency Address - XBT</idType><idNumber> {XBT} </idNumber></id>
      <id><uid>4</uid><idType>Digital Currency Address - ETH</idType><idNumber>{ETH_CHECKSUMMED}</idNumber></id>
    </idList>
    <akaList>
      <aka><uid>5</uid><type>a.k.a.</type><category>weak</category><lastName>Vanya the Ledger</lastName></aka>
      <aka><uid>6</uid><type>a.k.a.</type><category>strong</category><lastName>PETROWSKI</lastName><firstName>Iwan</firstName></aka>
      <aka><uid>7</uid><type>a.k.a.</type><category>strong</category><lastName>PETROVSKY</lastName><firstName>Ivan</firstName></aka>
      <aka><uid>8</uid><type>a.k.a.</type><category>weak</category><lastName>Vanya the Ledger</lastName></aka>
    </akaList>
    <dateOfBirthList>
      <dateOfBirthItem><uid>9</uid><dateOfBirth>14 Mar 1971</dateOfBirth><mainEntry>true</mainEntry></dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
  <sdnEntry>
    <uid>36002</uid>
    <lastName>BLUE HARBOUR MIXING LTD.</lastName>
    <sdnType>Entity</sdnType>
    <programList><program>CYBER2</program></programList>
    <idList>
      <id><uid>10</uid><idType>Digital Currency Address - ETH</idType><idNumber>{ETH_LOWER}</idNumber></id>
      <id><uid>11</uid><idType>Digital Currency Address - USDT</idType><idNumber>{USDT}</idNumber></id>
    </idList>
    <akaList>
      <aka><uid>12</uid><type>f.k.a.</type><category>strong</category><lastName>BLUE HARBOR MIXER</lastName></aka>
    </akaList>
  </sdnEntry>
  <sdnEntry>
    <uid>36003</uid>
    <lastName>SEA STAR</lastName>
    <sdnType>Vessel</sdnType>
    <programList><program>IRAN-EO13902</program></programList>
    <vesselInfo><callSign>9BQX7</callSign><vesselType>Crude Oil Tanker</vesselType></vesselInfo>
  </sdnEntry>
</sdnList>
"""


def _party(uid: str, subtype: str, aliases: str, features: str = "") -> str:
    return f"""    <DistinctParty FixedRef="{uid}">
      <Comment />
      <Profile ID="{uid}" PartySubTypeID="{subtype}">
        <Identity ID="{uid}1" FixedRef="{uid}" Primary="true" False="false">
{aliases}        </Identity>
{features}      </Profile>
    </DistinctParty>
"""


def _alias(uid: str, alias_type: int, primary: bool, *names: tuple[str, ...]) -> str:
    documented = "".join(
        f'            <DocumentedName ID="{uid}{n}" FixedRef="{uid}" DocNameStatusID="1">\n'
        + "".join(
            f'              <DocumentedNamePart><NamePartValue NamePartGroupID="{g}" ScriptID="215">'
            f"{part}</NamePartValue></DocumentedNamePart>\n"
            for g, part in enumerate(parts)
        )
        + "            </DocumentedName>\n"
        for n, parts in enumerate(names)
    )
    return (
        f'          <Alias FixedRef="{uid}" AliasTypeID="{alias_type}" '
        f'Primary="{str(primary).lower()}" LowQuality="false">\n{documented}          </Alias>\n'
    )


def _feature(type_id: int, detail: str) -> str:
    return (
        f'        <Feature ID="9{type_id}" FeatureTypeID="{type_id}">\n'
        f'          <FeatureVersion ReliabilityID="1" ID="9{type_id}"><Comment />{detail}</FeatureVersion>\n'
        '          <IdentityReference IdentityID="1" IdentityFeatureLinkTypeID="1" />\n'
        "        </Feature>\n"
    )


def _address(type_id: int, address: str) -> str:
    return _feature(type_id, f'<VersionDetail DetailTypeID="1432">{address}</VersionDetail>')


BIRTHDATE = _feature(
    8,
    "<DatePeriod><Start><From><Year>1971</Year><Month>3</Month><Day>14</Day></From></Start></DatePeriod>",
)

# Advanced XML, as published: the individual's primary name after an alias and with a second
# (Cyrillic) documented name, the "Unknown" sub-types of individuals and entities, a Block
# measure without a program, and the party types after the sub-types.
ADVANCED = (
    """<?xml version="1.0" encoding="utf-8"?>
<Sanctions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">
  <DateOfIssue>
    <Year>2026</Year>
    <Month>11</Month>
    <Day>8</Day>
  </DateOfIssue>
  <ReferenceValueSets>
    <AliasTypeValues>
      <AliasType ID="1400">A.K.A.</AliasType>
      <AliasType ID="1401">F.K.A.</AliasType>
      <AliasType ID="1403">Name</AliasType>
    </AliasTypeValues>
    <FeatureTypeValues>
      <FeatureType ID="8" FeatureTypeGroupID="2">Birthdate</FeatureType>
      <FeatureType ID="344" FeatureTypeGroupID="4">Digital Currency Address - XBT</FeatureType>
      <FeatureType ID="345" FeatureTypeGroupID="4">Digital Currency Address - ETH</FeatureType>
      <FeatureType ID="887" FeatureTypeGroupID="4">Digital Currency Address - USDT</FeatureType>
    </FeatureTypeValues>
    <PartySubTypeValues>
      <PartySubType ID="1" PartyTypeID="4">Vessel</PartySubType>
      <PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType>
      <PartySubType ID="4" PartyTypeID="1">Unknown</PartySubType>
    </PartySubTypeValues>
    <PartyTypeValues>
      <PartyType ID="1">Individual</PartyType>
      <PartyType ID="2">Entity</PartyType>
      <PartyType ID="4">Transport</PartyType>
    </PartyTypeValues>
    <SanctionsTypeValues>
      <SanctionsType ID="1">Program</SanctionsType>
      <SanctionsType ID="1705">Block</SanctionsType>
    </SanctionsTypeValues>
  </ReferenceValueSets>
  <DistinctParties>
"""
    + _party(
        "36001",
        "4",
        _alias("36001", 1400, False, ("Vanya the Ledger",))
        + _alias("36001", 1403, True, ("Ivan", "PETROVSKY"), ("Иван Петровский",))
        + _alias("36001", 1400, False, ("Iwan", "PETROWSKI"))
        + _alias("36001", 1400, False, ("Vanya the Ledger",)),
        BIRTHDATE
        + _address(345, ETH_CHECKSUMMED)
        + _address(344, XBT)
        + _address(345, ETH_CHECKSUMMED),
    )
    + _party(
        "36002",
        "3",
        _alias("36002", 1403, True, ("BLUE HARBOUR MIXING LTD.",))
        + _alias("36002", 1401, False, ("BLUE HARBOR MIXER",)),
        _address(345, ETH_LOWER) + _address(887, USDT),
    )
    + _party("36003", "1", _alias("36003", 1403, True, ("SEA STAR",)))
    + """  </DistinctParties>
  <SanctionsEntries>
    <SanctionsEntry ID="1" ProfileID="36001" ListID="1550">
      <EntryEvent ID="1" EntryEventTypeID="1" LegalBasisID="1"><Date CalendarTypeID="1"><Year>2022</Year><Month>4</Month><Day>5</Day></Date></EntryEvent>
      <SanctionsMeasure ID="1" SanctionsTypeID="1705"><Comment /></SanctionsMeasure>
      <SanctionsMeasure ID="2" SanctionsTypeID="1"><Comment>CYBER2</Comment></SanctionsMeasure>
      <SanctionsMeasure ID="3" SanctionsTypeID="1"><Comment>DPRK3</Comment></SanctionsMeasure>
    </SanctionsEntry>
    <SanctionsEntry ID="2" ProfileID="36002" ListID="1550">
      <SanctionsMeasure ID="4" SanctionsTypeID="1"><Comment>CYBER2</Comment></SanctionsMeasure>
    </SanctionsEntry>
    <SanctionsEntry ID="3" ProfileID="36003" ListID="1550">
      <SanctionsMeasure ID="5" SanctionsTypeID="1705"><Comment>Block</Comment></SanctionsMeasure>
      <SanctionsMeasure ID="6" SanctionsTypeID="1"><Comment>IRAN-EO13902</Comment></SanctionsMeasure>
    </SanctionsEntry>
  </SanctionsEntries>
</Sanctions>
"""
)

# The CSV files, as published: individuals "LAST, First", nulls with and without their space,
# CRLF lines, the end-of-file mark, and the remarks continued (mid-address) in sdn_comments.csv.
SDN_CSV = (
    '36001,"PETROVSKY, Ivan","individual","CYBER2] [DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    f'"DOB 14 Mar 1971; nationality Russia; Digital Currency Address - ETH {ETH_CHECKSUMMED}; alt. Digital Currency Address - XBT 1Ffmb"\r\n'
    '36002,"BLUE HARBOUR MIXING LTD.",-0- ,"CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    f'"Digital Currency Address - ETH {ETH_LOWER}; alt. Digital Currency Address - USDT {USDT}."\r\n'
    '36003,"SEA STAR","vessel","IRAN-EO13902",-0-,"9BQX7","Crude Oil Tanker",-0- ,-0- ,"Iran",-0- , -0- \r\n'
    "\x1a"
)
ALT_CSV = (
    '36001,1,"aka","Vanya the Ledger",-0- \r\n'
    '36001,2,"aka","PETROWSKI, Iwan",-0- \r\n'
    '36001,3,"aka","PETROVSKY, Ivan",-0- \r\n'
    '36002,4,"fka","BLUE HARBOR MIXER",-0- \r\n'
    "\x1a\r\n"
)
COMMENTS_CSV = (
    f'36001,"{XBT[5:]}; alt. Digital Currency Address - ETH {ETH_CHECKSUMMED}; Gender Male."\r\n'
)
CSV_IVAN = replace(IVAN, name="PETROVSKY, Ivan", aliases=("Vanya the Ledger", "PETROWSKI, Iwan"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def _csv_folder(folder: Path, *, sdn: str = SDN_CSV, alt: str = ALT_CSV) -> Path:
    _write(folder / "SDN.CSV", sdn)
    _write(folder / "alt.csv", alt)
    _write(folder / "sdn_comments.csv", COMMENTS_CSV)
    return folder


def test_the_classic_xml(tmp_path):
    path = _write(tmp_path / "sdn.xml", SDN_XML)
    parsed = read_list(path)
    assert (parsed.format, parsed.published) == ("sdn_xml", "11/28/2026")
    assert parsed.entries == [IVAN, BLUE, SEA_STAR]
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_classic_xml_in_the_newer_namespace(tmp_path):
    newer = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
    path = _write(tmp_path / "sdn.xml", SDN_XML.replace("http://tempuri.org/sdnList.xsd", newer))
    assert read_list(path).entries == [IVAN, BLUE, SEA_STAR]


def test_the_advanced_xml(tmp_path):
    path = _write(tmp_path / "sdn_advanced.xml", ADVANCED)
    parsed = read_list(path)
    assert (parsed.format, parsed.published) == ("advanced_xml", "2026-11-08")
    assert parsed.entries == [IVAN, BLUE, SEA_STAR]
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_csv_files_read_from_the_folder_or_from_sdn_csv(tmp_path):
    folder = _csv_folder(tmp_path / "lists")
    parsed = read_list(folder)
    assert (parsed.format, parsed.published) == ("csv", "")
    assert parsed.entries == [CSV_IVAN, BLUE, SEA_STAR]
    assert read_list(folder / "SDN.CSV").entries == parsed.entries
    files = (folder / "SDN.CSV", folder / "alt.csv", folder / "sdn_comments.csv")
    assert parsed.sha256 == hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def test_sdn_csv_alone_has_no_aliases_nor_the_continued_remarks(tmp_path):
    path = _write(tmp_path / "sdn.csv", SDN_CSV)
    ivan, blue, _ = read_list(path).entries
    assert ivan.aliases == ()
    assert ivan.addresses == (ListedAddress("ETH", ETH_CHECKSUMMED), ListedAddress("XBT", "1Ffmb"))
    assert blue == replace(BLUE, aliases=())


def test_a_csv_file_in_windows_1252_is_read(tmp_path):
    row = '7,"MÜLLER, Jörg","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    path = tmp_path / "sdn.csv"
    path.write_bytes(row.encode("cp1252"))
    assert read_list(path).entries[0].name == "MÜLLER, Jörg"


def test_the_format_is_recognised_from_the_content_not_the_name(tmp_path):
    assert detect_format(_write(tmp_path / "list.data", SDN_XML)) == "sdn_xml"
    assert detect_format(_write(tmp_path / "a.txt", "\ufeff" + ADVANCED)) == "advanced_xml"
    assert detect_format(_write(tmp_path / "export.txt", SDN_CSV)) == "csv"
    assert detect_format(_csv_folder(tmp_path / "folder")) == "csv"
    doctype = '<?xml version="1.0"?>\n<!-- the list -->\n<!DOCTYPE sdnList>\n<sdnList/>'
    assert detect_format(_write(tmp_path / "doctype.xml", doctype)) == "sdn_xml"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "bad.xml: the file is empty"),
        ("  \n\n", "bad.xml: the file is empty"),
        ('{"sdnList": []}', "bad.xml: neither an SDN XML file nor an SDN CSV file"),
        ("ent_num,SDN_Name\n1,X\n", "bad.xml: neither"),
        ("<!DOCTYPE html><html><body>Service unavailable</body></html>", "root <html>"),
        ('<?xml version="1.0"?><Envelope/>', "root <Envelope>"),
    ],
)
def test_anything_else_is_not_a_list(tmp_path, content, says):
    path = _write(tmp_path / "bad.xml", content)
    for call in (detect_format, read_list):
        with pytest.raises(SanctionsFormatError, match=re.escape(says)):
            call(path)


def test_a_folder_without_sdn_csv_is_not_a_list(tmp_path):
    _write(tmp_path / "lists" / "alt.csv", ALT_CSV)
    with pytest.raises(SanctionsFormatError, match=r"lists: a folder without sdn\.csv"):
        detect_format(tmp_path / "lists")


def _generated(tmp_path: Path, fmt: str, n: int = 200, seed: int = 7) -> Path:
    path = tmp_path / fmt if fmt == "csv" else tmp_path / f"{fmt}.xml"
    write_list(path, fmt, n, seed=seed)
    return path


def test_a_generated_list_reads_back_the_same_in_every_form(tmp_path):
    expected = [
        (
            str(e.uid),
            e.name,
            e.kind,
            e.programs,
            tuple(a.name for a in e.aliases),
            tuple(ListedAddress(chain, address) for chain, address in e.addresses),
        )
        for e in sanctions_gen.entries(200, seed=7)
    ]
    for fmt in ("sdn_xml", "advanced_xml", "csv"):
        path = _generated(tmp_path, fmt)
        assert detect_format(path) == fmt
        parsed = read_list(path)
        assert len(parsed.entries) == 200
        got = [(e.uid, e.name, e.kind, e.programs, e.aliases, e.addresses) for e in parsed.entries]
        assert got == expected, fmt
    addresses = [a for *_, listed in expected for a in listed]
    assert 10 <= sum(1 for *_, listed in expected if listed) <= 40  # about one entry in ten
    assert {a.chain for a in addresses} >= {"ETH", "XBT"}
    eth = [a.address for a in addresses if a.chain == "ETH"]
    assert any(a != a.lower() for a in eth)  # checksummed
    assert any(a == a.lower() for a in eth)
    assert {kind for _, _, kind, *_ in expected} >= {"individual", "entity"}
    assert any(aliases for *_, aliases, _ in expected)
    assert any(not name.isascii() for _, name, *_ in expected)


def test_the_generator_is_deterministic_per_seed(tmp_path):
    first, again, other = (tmp_path / "a.xml", tmp_path / "b.xml", tmp_path / "c.xml")
    write_list(first, "advanced_xml", 50, seed=1)
    write_list(again, "advanced_xml", 50, seed=1)
    write_list(other, "advanced_xml", 50, seed=2)
    assert first.read_bytes() == again.read_bytes() != other.read_bytes()
    with pytest.raises(ValueError, match="unknown format"):
        write_list(tmp_path / "x", "json", 1)


def test_the_generator_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["sanctions_gen.py", "csv", "12", str(tmp_path / "out")])
    sanctions_gen.main()
    assert "wrote 12 entries (csv)" in capsys.readouterr().out
    assert len(read_list(tmp_path / "out").entries) == 12


@pytest.mark.parametrize("fmt", ["sdn_xml", "advanced_xml", "csv"])
def test_the_progress_ends_at_the_total(tmp_path, fmt):
    path = _generated(tmp_path, fmt, n=2000)
    files = sorted(path.iterdir()) if fmt == "csv" else [path]
    total = sum(f.stat().st_size for f in files)
    calls: list[tuple[int, int]] = []
    read_list(path, progress=lambda done, of: calls.append((done, of)))
    assert calls[-1] == (total, total)
    assert len(calls) >= 50  # about every 1%
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert all(of == total for _, of in calls)


TRUNCATED = SDN_XML[: SDN_XML.index("<uid>36002</uid>")]


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (  # truncated
            TRUNCATED,
            rf"bad.xml line {TRUNCATED.count(chr(10)) + 1}, column 5: XML error: no element found",
        ),
        (
            _lines(
                "<sdnList>",
                "  <sdnEntry>",
                "    <uid>1</uid>",
                "    <lastName>A</lastName>",
                "  </sdnEnrty>",
            ),
            r"bad.xml line 5, column 5: XML error: mismatched tag",
        ),
        (
            _lines(
                "<sdnList>",
                "  <sdnEntry><uid>1</uid><lastName>A</lastName></sdnEntry>",
                "  <sdnEntry>",
                "    <lastName>B</lastName>",
                "  </sdnEntry>",
                "</sdnList>",
            ),
            r"bad.xml line 3: sdnEntry has no uid",
        ),
        (
            _lines(
                "<sdnList>",
                "  <sdnEntry>",
                "    <uid>1</uid>",
                "    <firstName>A</firstName>",
                "  </sdnEntry>",
                "</sdnList>",
            ),
            r"bad.xml line 2: sdnEntry uid 1 has no lastName",
        ),
        (
            _lines(
                "<sdnList>",
                "  <sdnEntry><uid>7</uid><lastName>A</lastName></sdnEntry>",
                "  <sdnEntry><uid>7</uid><lastName>B</lastName></sdnEntry>",
                "</sdnList>",
            ),
            r"bad.xml line 3: sdnEntry uid 7 appears twice \(first at line 2\)",
        ),
        (
            _lines(
                "<sdnList>",
                "  <sdnEntry><uid>7</uid><lastName>A</lastName>",
                "    <idList><id><idType>Digital Currency Address - ETH</idType><idNumber/></id></idList>",
                "  </sdnEntry>",
                "</sdnList>",
            ),
            r"bad.xml line 2: sdnEntry uid 7: an id 'Digital Currency Address - ETH' without a value",
        ),
        (  # entities are refused (no "billion laughs")
            _lines(
                '<?xml version="1.0"?>',
                '<!DOCTYPE sdnList [<!ENTITY lol "lol">]>',
                "<sdnList><sdnEntry><uid>1</uid><lastName>&lol;</lastName></sdnEntry></sdnList>",
            ),
            r"bad.xml line 2: refused by the safe XML parser",
        ),
        ("<sdnList>\n  <publshInformation/>\n</sdnList>\n", r"bad.xml: the list holds no entries"),
    ],
)
def test_a_malformed_classic_xml_is_refused_saying_where(tmp_path, content, says):
    path = _write(tmp_path / "bad.xml", content)
    with pytest.raises(SanctionsFormatError, match=says):
        read_list(path)


PARTY_LINE = ADVANCED[: ADVANCED.index('<DistinctParty FixedRef="36002"')].count("\n") + 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda text: text[: text.index("<SanctionsEntries>")],
            r"bad.xml line \d+, column \d+: XML error: no element found",
        ),
        (
            lambda text: text.replace('<DistinctParty FixedRef="36002">', "<DistinctParty>"),
            rf"bad.xml line {PARTY_LINE}: DistinctParty has no FixedRef",
        ),
        (
            lambda text: text.replace(
                'FixedRef="36002" AliasTypeID="1403" Primary="true"', 'AliasTypeID="1403"'
            ),
            rf"bad.xml line {PARTY_LINE}: DistinctParty FixedRef 36002 has no primary name",
        ),
        (
            lambda text: text.replace(
                '<DistinctParty FixedRef="36003">', '<DistinctParty FixedRef="36002">'
            ),
            r"bad.xml line \d+: DistinctParty uid 36002 appears twice \(first at line \d+\)",
        ),
        (
            lambda text: text.replace('ProfileID="36003"', 'ProfileID="99"'),
            r"bad.xml line \d+: SanctionsEntry for an unknown ProfileID '99'",
        ),
        (
            lambda text: text.replace(f">{USDT}<", "><"),
            rf"bad.xml line {PARTY_LINE}: DistinctParty FixedRef 36002: an address without a value",
        ),
    ],
)
def test_a_malformed_advanced_xml_is_refused_saying_where(tmp_path, change, says):
    path = _write(tmp_path / "bad.xml", change(ADVANCED))
    with pytest.raises(SanctionsFormatError, match=says):
        read_list(path)


@pytest.mark.parametrize(
    ("sdn", "alt", "says"),
    [
        (
            SDN_CSV.replace("36002,", "36002x,"),
            ALT_CSV,
            r"SDN.CSV line 2: the ent_num '36002x' is not an integer",
        ),
        (
            SDN_CSV.replace(',"Iran",-0- ,', ',"Iran",'),
            ALT_CSV,
            r"SDN.CSV line 3: 11 fields where 12 are expected",
        ),
        (
            SDN_CSV.replace("36003,", "36001,"),
            ALT_CSV,
            r"SDN.CSV line 3: ent_num 36001 appears twice \(first at line 1\)",
        ),
        (
            SDN_CSV.replace('"SEA STAR"', "-0- "),
            ALT_CSV,
            r"SDN.CSV line 3: ent_num 36003 has no SDN_Name",
        ),
        (
            SDN_CSV[: SDN_CSV.index("Digital Currency Address - USDT")],
            ALT_CSV,
            r"SDN.CSV line 2: not readable as CSV",
        ),
        (
            SDN_CSV,
            ALT_CSV.replace("36002,4,", "99,4,"),
            r"alt.csv line 4: ent_num 99 is not in SDN.CSV",
        ),
        (SDN_CSV, ALT_CSV.replace('"fka",', ""), r"alt.csv line 4: 4 fields where 5 are expected"),
        ("\x1a\r\n", "", r"SDN.CSV: the list holds no entries"),
    ],
)
def test_a_malformed_csv_is_refused_naming_the_file_and_line(tmp_path, sdn, alt, says):
    folder = _csv_folder(tmp_path / "lists", sdn=sdn, alt=alt)
    with pytest.raises(SanctionsFormatError, match=says):
        read_list(folder)


def test_remarks_continued_for_an_unknown_entry_are_refused(tmp_path):
    folder = _csv_folder(tmp_path / "lists")
    _write(folder / "sdn_comments.csv", COMMENTS_CSV + '99,"more"\r\n')
    with pytest.raises(SanctionsFormatError, match=r"sdn_comments.csv line 2: ent_num 99"):
        read_list(folder)
