"""A synthetic OFAC SDN list of N entries in any of its three published forms, the same entries
for the same seed whatever the form (for the import benchmark and the format tests).

    python bench/sanctions_gen.py sdn_xml 20000 /tmp/sdn.xml
    python bench/sanctions_gen.py advanced_xml 20000 /tmp/sdn_advanced.xml
    python bench/sanctions_gen.py csv 20000 /tmp/sdn-csv/    (sdn.csv, alt.csv, sdn_comments.csv)

The files follow the published layouts: namespaced, indented XML with the ids and reference
values of the real files; CSV without a header, quoted text, `-0- ` nulls, CRLF lines, an
end-of-file mark, digital-currency addresses in the remarks and long remarks continued in
sdn_comments.csv. Individuals, entities and a few vessels; accented and punctuated names; 0-3
aliases each; about one entry in ten with 1-3 addresses (mostly ETH, checksummed or lower case;
some XBT, TRX and USDT).

Two liberties, so that the three forms read back the same: sdn.csv writes an individual's name
"First LAST" as the XML forms do (the real file writes "LAST, First"), and it cuts the remarks
at 100 characters (the real file at 1,000) so that many entries go through sdn_comments.csv.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from eth_utils.address import to_checksum_address

FORMATS = ("sdn_xml", "advanced_xml", "csv")
PUBLISHED = (2026, 11, 28)  # year, month, day
REMARKS_CUT = 100

FIRST = (
    "Ivan", "María", "José", "Chen", "Olga", "Ahmed", "Léa", "Björn", "Aiko", "Nikolai", "Zoë",
    "Ștefan", "Mohammad", "Ana-Lucía", "Jean-Pierre", "Dmitriy", "Fatemeh", "Đorđe", "Siobhán",
    "Kim Il", "Ivan Petrovich", "Olga Sergeyevna",
)  # fmt: skip
LAST = (
    "PETROV", "GARCÍA-LÓPEZ", "O'NEIL", "WANG", "KUZNETSOVA", "AL-RASHID", "MÜLLER", "SØRENSEN",
    "NGUYỄN", "D'ALMEIDA", "VAN DER BERG", "KHAN", "PAK", "ÖZTÜRK", "MOHAMMADI", "SOKOLOV",
    "DE LA CRUZ", "ŁUKASZEWICZ", "ABU ZAYD", "RI",
)  # fmt: skip
NICKNAMES = ("Vanya the Ledger", "El Profe", "Abu Omar", "Koko", "Sasha", "Dr. Kim", "Mixer Max")
CYRILLIC = {
    "Ivan": "Иван",
    "Olga": "Ольга",
    "Nikolai": "Николай",
    "Dmitriy": "Дмитрий",
    "PETROV": "ПЕТРОВ",
    "KUZNETSOVA": "КУЗНЕЦОВА",
    "SOKOLOV": "СОКОЛОВ",
}
WORDS = (
    "BLUE", "HARBOUR", "GLOBAL", "NORD", "STAR", "OCEAN", "GOLDEN", "CRESCENT", "SILK", "ÁGUILA",
    "POLAR", "ZENITH", "ATLAS", "CEDAR", "DELTA", "EURASIA", "SEVERNAYA", "KÖRFEZ",
)  # fmt: skip
TRADES = ("TRADING", "MIXING", "CAPITAL", "EXCHANGE", "LOGISTICS", "SHIPPING", "TECHNOLOGIES")
SUFFIXES = ("LTD.", "LLC", "S.A.", "GMBH", "FZE", "CO., LTD.", "JSC", "S.A. DE C.V.", "& CO.")
VESSEL_TYPES = ("Crude Oil Tanker", "General Cargo", "Chemical/Products Tanker", "Bulk Carrier")
FLAGS = ("Panama", "Iran", "Togo", "Cameroon", "Korea, North")
PLACES = (
    ("Tver", "Russia"),
    ("Tehran", "Iran"),
    ("Caracas", "Venezuela"),
    ("Pyongyang", "Korea, North"),
    ("Culiacán", "Mexico"),
    ("Damascus", "Syria"),
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PROGRAMS = ("CYBER2", "DPRK3", "RUSSIA-EO14024", "SDGT", "IRAN-EO13902", "SDNTK", "GLOMAG")
CHAINS = ("ETH", "XBT", "TRX", "USDT")
CHAIN_WEIGHTS = (65, 20, 8, 7)
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

CLASSIC_NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
ADVANCED_NS = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
)
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class Alias:
    type: str  # "aka", "fka" or "nka"
    first: str
    last: str
    weak: bool

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}" if self.first else self.last


@dataclass(frozen=True)
class Vessel:
    call_sign: str
    type: str
    flag: str
    imo: str


@dataclass(frozen=True)
class Entry:
    uid: int
    kind: str  # "individual", "entity" or "vessel"
    first: str  # individuals only
    last: str  # an entity's or vessel's whole name
    programs: tuple[str, ...]
    aliases: tuple[Alias, ...]  # distinct names, none the primary name
    addresses: tuple[tuple[str, str], ...]  # (chain, address), distinct
    birth: tuple[int, int, int] | None = None  # (year, month, day), individuals
    birthplace: tuple[str, str] | None = None  # (city, country), individuals
    vessel: Vessel | None = None
    primary_second: bool = False  # advanced XML: the primary alias written after an a.k.a.

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}" if self.first else self.last

    @property
    def remarks(self) -> str:
        """The Remarks of sdn.csv, as OFAC writes them ("DOB ...; POB ...; ...")."""
        parts = []
        if self.birth:
            year, month, day = self.birth
            parts.append(f"DOB {day:02d} {MONTHS[month - 1]} {year}")
        if self.birthplace:
            parts += [f"POB {self.birthplace[0]}, {self.birthplace[1]}"]
            parts += [f"nationality {self.birthplace[1]}"]
        if self.vessel:
            parts.append(f"Vessel Registration Identification IMO {self.vessel.imo}")
        parts += [
            f"{'alt. ' if n else ''}Digital Currency Address - {chain} {address}"
            for n, (chain, address) in enumerate(self.addresses)
        ]
        return "; ".join(parts) + "." if parts else ""


# -- the entries ---------------------------------------------------------------------------


def _address(rng: random.Random, chain: str) -> str:
    if chain == "ETH":
        body = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))
        return to_checksum_address(body) if rng.random() < 0.8 else body
    if chain == "XBT":
        shape = rng.random()
        if shape < 0.3:
            return "bc1q" + "".join(rng.choice(BECH32) for _ in range(38))
        return ("1" if shape < 0.8 else "3") + "".join(rng.choice(B58) for _ in range(33))
    return "T" + "".join(rng.choice(B58) for _ in range(33))  # TRX, and USDT on Tron


def _entity_name(rng: random.Random) -> str:
    first, second = rng.sample(WORDS, 2)
    if rng.random() < 0.15:
        return f'LIMITED LIABILITY COMPANY "{first} {second}"'
    return f"{first} {second} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}"


def _short_name(name: str) -> str:
    """An entity's name without its legal form ("NORD STAR TRADING LLC": "NORD STAR TRADING")."""
    if name.endswith('"'):
        return name.split('"')[1]
    return next((name.removesuffix(f" {s}") for s in SUFFIXES if name.endswith(f" {s}")), name)


def _aliases(rng: random.Random, kind: str, first: str, last: str) -> list[Alias]:
    aliases = []
    for _ in range(rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]):
        shape = rng.random()
        if kind == "individual" and shape < 0.6:
            aliases.append(Alias("aka", rng.choice(FIRST), rng.choice((last, *LAST)), False))
        elif kind == "individual":
            aliases.append(Alias("aka", "", rng.choice(NICKNAMES), True))
        elif shape < 0.4:
            aliases.append(Alias("aka", "", _short_name(last), False))
        else:
            alias_type = rng.choice(("aka", "fka", "fka", "nka"))
            aliases.append(Alias(alias_type, "", _entity_name(rng), False))
    primary = f"{first} {last}" if first else last
    distinct: dict[str, Alias] = {}
    for alias in aliases:
        if alias.name != primary:
            distinct.setdefault(alias.name, alias)
    return list(distinct.values())


def entries(n: int, seed: int = 0) -> list[Entry]:
    """The `n` entries of the list for `seed`, in file order (uids rising, with gaps)."""
    rng = random.Random(seed)
    out = []
    uid = 10_000
    for _ in range(n):
        uid += rng.randint(1, 4)
        shape = rng.random()
        kind = "individual" if shape < 0.55 else "entity" if shape < 0.96 else "vessel"
        first, last, birth, birthplace, vessel = "", "", None, None, None
        if kind == "individual":
            first, last = rng.choice(FIRST), rng.choice(LAST)
            birth = (rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
            birthplace = rng.choice(PLACES) if rng.random() < 0.7 else None
        elif kind == "entity":
            last = _entity_name(rng)
        else:
            last = f"{rng.choice(WORDS)} {rng.choice(('STAR', 'PEARL', 'GRACE', 'SPIRIT'))}"
            vessel = Vessel(
                call_sign="".join(
                    rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(5)
                ),
                type=rng.choice(VESSEL_TYPES),
                flag=rng.choice(FLAGS),
                imo=str(rng.randint(9_000_000, 9_899_999)),
            )
        addresses: dict[tuple[str, str], None] = {}
        if kind != "vessel" and rng.random() < 0.1:
            for _ in range(rng.randint(1, 3)):
                chain = rng.choices(CHAINS, weights=CHAIN_WEIGHTS)[0]
                addresses[(chain, _address(rng, chain))] = None
        out.append(
            Entry(
                uid=uid,
                kind=kind,
                first=first,
                last=last,
                programs=tuple(rng.sample(PROGRAMS, rng.choice((1, 1, 1, 2)))),
                aliases=tuple(_aliases(rng, kind, first, last)),
                addresses=tuple(addresses),
                birth=birth,
                birthplace=birthplace,
                vessel=vessel,
                primary_second=rng.random() < 0.125,
            )
        )
    return out


# -- classic XML ---------------------------------------------------------------------------


def _x(text: str) -> str:
    return escape(text)


def _fields(depth: int, *children: tuple[str, object]) -> list[str]:
    """Simple elements, one to a line, indented as the published file is."""
    return [f"{'  ' * depth}<{name}>{_x(str(value))}</{name}>" for name, value in children]


def _element(depth: int, tag: str, *children: tuple[str, object]) -> list[str]:
    pad = "  " * depth
    return [f"{pad}<{tag}>", *_fields(depth + 1, *children), f"{pad}</{tag}>"]


def _element_list(depth: int, tag: str, items: list[list[str]]) -> list[str]:
    pad = "  " * depth
    return [f"{pad}<{tag}>", *(line for item in items for line in item), f"{pad}</{tag}>"]


def _classic_entry(e: Entry, ids: Iterator[int]) -> list[str]:
    names = [("firstName", e.first)] if e.first else []
    head = [("uid", e.uid), *names, ("lastName", e.last), ("sdnType", e.kind.capitalize())]
    lines = _fields(2, *head)
    lines += _element(2, "programList", *(("program", p) for p in e.programs))
    id_values = [(f"Digital Currency Address - {chain}", address) for chain, address in e.addresses]
    if e.vessel:
        id_values.insert(0, ("Vessel Registration Identification", f"IMO {e.vessel.imo}"))
    if id_values:
        items = [
            _element(3, "id", ("uid", next(ids)), ("idType", id_type), ("idNumber", number))
            for id_type, number in id_values
        ]
        lines += _element_list(2, "idList", items)
    if e.aliases:
        items = []
        for a in e.aliases:
            first = [("firstName", a.first)] if a.first else []
            category = "weak" if a.weak else "strong"
            kind = ".".join(a.type) + "."  # "a.k.a."
            fields = [("uid", next(ids)), ("type", kind), ("category", category)]
            items.append(_element(3, "aka", *fields, ("lastName", a.last), *first))
        lines += _element_list(2, "akaList", items)
    if e.birthplace:
        item = _element(3, "nationality", ("uid", next(ids)), ("country", e.birthplace[1]))
        lines += _element_list(2, "nationalityList", [item])
    if e.birth:
        year, month, day = e.birth
        born = f"{day:02d} {MONTHS[month - 1]} {year}"
        item = _element(3, "dateOfBirthItem", ("uid", next(ids)), ("dateOfBirth", born))
        lines += _element_list(2, "dateOfBirthList", [item])
    if e.birthplace:
        place = ", ".join(e.birthplace)
        item = _element(3, "placeOfBirthItem", ("uid", next(ids)), ("placeOfBirth", place))
        lines += _element_list(2, "placeOfBirthList", [item])
    if e.vessel:
        v = e.vessel
        info = (("callSign", v.call_sign), ("vesselType", v.type), ("vesselFlag", v.flag))
        lines += _element(2, "vesselInfo", *info)
    return ["  <sdnEntry>", *lines, "  </sdnEntry>"]


def _classic(out: TextIO, items: list[Entry]) -> None:
    year, month, day = PUBLISHED
    out.write('<?xml version="1.0" standalone="yes"?>\n')
    out.write(f'<sdnList xmlns:xsi="{XSI}" xmlns="{CLASSIC_NS}">\n')
    out.write(
        f"  <publshInformation>\n    <Publish_Date>{month:02d}/{day:02d}/{year}</Publish_Date>\n"
    )
    out.write(f"    <Record_Count>{len(items)}</Record_Count>\n  </publshInformation>\n")
    ids = count(1)
    for e in items:
        out.write("\n".join(_classic_entry(e, ids)) + "\n")
    out.write("</sdnList>\n")


# -- advanced XML --------------------------------------------------------------------------

ALIAS_TYPES = {"aka": 1400, "fka": 1401, "nka": 1402, "name": 1403}
FEATURE_TYPES = {"ETH": 345, "XBT": 344, "USDT": 887, "TRX": 998}
SUBTYPES = {"vessel": 1, "entity": 3, "individual": 4}
NAME_PART_TYPES = {"last": 1520, "first": 1521, "entity": 1525, "vessel": 1526}

DCA_TYPES = "".join(
    f'      <FeatureType ID="{fid}" FeatureTypeGroupID="4">Digital Currency Address - {chain}'
    "</FeatureType>\n"
    for chain, fid in FEATURE_TYPES.items()
)
REFERENCE_VALUES = f"""  <ReferenceValueSets>
    <AliasTypeValues>
      <AliasType ID="1400">A.K.A.</AliasType>
      <AliasType ID="1401">F.K.A.</AliasType>
      <AliasType ID="1402">N.K.A.</AliasType>
      <AliasType ID="1403">Name</AliasType>
    </AliasTypeValues>
    <FeatureTypeValues>
      <FeatureType ID="1" FeatureTypeGroupID="1">Vessel Call Sign</FeatureType>
      <FeatureType ID="8" FeatureTypeGroupID="2">Birthdate</FeatureType>
{DCA_TYPES}    </FeatureTypeValues>
    <NamePartTypeValues>
      <NamePartType ID="1520">Last Name</NamePartType>
      <NamePartType ID="1521">First Name</NamePartType>
      <NamePartType ID="1525">Entity Name</NamePartType>
      <NamePartType ID="1526">Vessel Name</NamePartType>
    </NamePartTypeValues>
    <PartySubTypeValues>
      <PartySubType ID="1" PartyTypeID="4">Vessel</PartySubType>
      <PartySubType ID="2" PartyTypeID="4">Aircraft</PartySubType>
      <PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType>
      <PartySubType ID="4" PartyTypeID="1">Unknown</PartySubType>
    </PartySubTypeValues>
    <PartyTypeValues>
      <PartyType ID="1">Individual</PartyType>
      <PartyType ID="2">Entity</PartyType>
      <PartyType ID="3">Location</PartyType>
      <PartyType ID="4">Transport</PartyType>
    </PartyTypeValues>
    <SanctionsTypeValues>
      <SanctionsType ID="1">Program</SanctionsType>
      <SanctionsType ID="1705">Block</SanctionsType>
    </SanctionsTypeValues>
  </ReferenceValueSets>
"""


def _documented_name(
    uid: int, parts: list[tuple[int, str]], ids: Iterator[int], script: int
) -> str:
    values = "".join(
        f"\n              <DocumentedNamePart>\n                <NamePartValue NamePartGroupID="
        f'"{group}" ScriptID="{script}" ScriptStatusID="1" Acronym="false">{_x(text)}'
        "</NamePartValue>\n              </DocumentedNamePart>"
        for group, text in parts
    )
    status = 1 if script == 215 else 2
    return (
        f'            <DocumentedName ID="{next(ids)}" FixedRef="{uid}" DocNameStatusID="{status}">'
        f"{values}\n            </DocumentedName>\n"
    )


def _advanced_party(e: Entry, ids: Iterator[int]) -> str:
    identity = next(ids)
    groups: dict[str, int] = {}

    def parts(first: str, last: str) -> list[tuple[int, str]]:
        if e.kind != "individual":
            return [(groups.setdefault(e.kind, next(ids)), last)]
        named = [("first", first), ("last", last)]
        return [(groups.setdefault(part, next(ids)), text) for part, text in named if text]

    primary = Alias("name", e.first, e.last, weak=False)
    names = list(e.aliases)
    names.insert(min(1, len(names)) if e.primary_second else 0, primary)
    aliases = ""
    for alias in names:
        name_parts = parts(alias.first, alias.last)
        documented = _documented_name(e.uid, name_parts, ids, 215)
        if alias is primary and e.first in CYRILLIC and e.last in CYRILLIC:
            cyrillic = [(group, CYRILLIC[text]) for group, text in name_parts]
            documented += _documented_name(e.uid, cyrillic, ids, 220)  # a second script
        aliases += (
            f'          <Alias FixedRef="{e.uid}" AliasTypeID="{ALIAS_TYPES[alias.type]}" '
            f'Primary="{str(alias is primary).lower()}" LowQuality="{str(alias.weak).lower()}">\n'
            f"{documented}          </Alias>\n"
        )
    master = "".join(
        f'            <MasterNamePartGroup>\n              <NamePartGroup ID="{group}" '
        f'NamePartTypeID="{NAME_PART_TYPES[part]}" />\n            </MasterNamePartGroup>\n'
        for part, group in groups.items()
    )
    features = []
    if e.birth:
        year, month, day = e.birth
        date = f"<Year>{year}</Year><Month>{month}</Month><Day>{day}</Day>"
        period = f"<From>{date}</From><To>{date}</To>"
        body = f"<Start>{period}</Start><End>{period}</End>"
        features.append((8, f'<DatePeriod CalendarTypeID="1">{body}</DatePeriod>'))
    if e.vessel:
        vessel = e.vessel.call_sign
        features.append((1, f'<VersionDetail DetailTypeID="1432">{vessel}</VersionDetail>'))
    features += [
        (FEATURE_TYPES[chain], f'<VersionDetail DetailTypeID="1432">{address}</VersionDetail>')
        for chain, address in e.addresses
    ]
    feature_xml = "".join(
        f'        <Feature ID="{next(ids)}" FeatureTypeID="{type_id}">\n'
        f'          <FeatureVersion ReliabilityID="1" ID="{next(ids)}">\n'
        f"            <Comment />\n            {body}\n          </FeatureVersion>\n"
        f'          <IdentityReference IdentityID="{identity}" IdentityFeatureLinkTypeID="1" />\n'
        "        </Feature>\n"
        for type_id, body in features
    )
    return (
        f'    <DistinctParty FixedRef="{e.uid}">\n      <Comment />\n'
        f'      <Profile ID="{e.uid}" PartySubTypeID="{SUBTYPES[e.kind]}">\n'
        f'        <Identity ID="{identity}" FixedRef="{e.uid}" Primary="true" False="false">\n'
        f"{aliases}          <NamePartGroups>\n{master}          </NamePartGroups>\n"
        f"        </Identity>\n{feature_xml}      </Profile>\n    </DistinctParty>\n"
    )


def _advanced_sanctions_entry(e: Entry, ids: Iterator[int]) -> str:
    """The entry's designation: a Block measure, then one Program measure per program."""
    entry_id, event_id = next(ids), next(ids)
    date = f"<Year>{2014 + e.uid % 12}</Year><Month>3</Month><Day>2</Day>"
    measures = [("1705", "<Comment />"), *(("1", f"<Comment>{p}</Comment>") for p in e.programs)]
    measure_xml = "".join(
        f'      <SanctionsMeasure ID="{next(ids)}" SanctionsTypeID="{type_id}">\n'
        f"        {comment}\n      </SanctionsMeasure>\n"
        for type_id, comment in measures
    )
    return (
        f'    <SanctionsEntry ID="{entry_id}" ProfileID="{e.uid}" ListID="1550">\n'
        f'      <EntryEvent ID="{event_id}" EntryEventTypeID="1" LegalBasisID="1">\n'
        f'        <Comment />\n        <Date CalendarTypeID="1">{date}</Date>\n'
        f"      </EntryEvent>\n{measure_xml}    </SanctionsEntry>\n"
    )


def _advanced(out: TextIO, items: list[Entry]) -> None:
    year, month, day = PUBLISHED
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(f'<Sanctions xmlns:xsi="{XSI}" xmlns="{ADVANCED_NS}">\n')
    out.write(f"  <DateOfIssue>\n    <Year>{year}</Year>\n    <Month>{month}</Month>\n")
    out.write(f"    <Day>{day}</Day>\n  </DateOfIssue>\n")
    out.write(REFERENCE_VALUES)
    ids = count(1)
    out.write("  <DistinctParties>\n")
    for e in items:
        out.write(_advanced_party(e, ids))
    out.write("  </DistinctParties>\n  <SanctionsEntries>\n")
    for e in items:
        out.write(_advanced_sanctions_entry(e, ids))
    out.write("  </SanctionsEntries>\n</Sanctions>\n")


# -- CSV -----------------------------------------------------------------------------------


def _csv_line(*fields: str | int | None) -> str:
    """A row as OFAC writes it: numbers bare, text quoted, nulls as `-0- `, CRLF."""
    cells = [
        "-0- "
        if value is None or value == ""
        else str(value)
        if isinstance(value, int)
        else '"' + value.replace('"', '""') + '"'
        for value in fields
    ]
    return ",".join(cells) + "\r\n"


def _csv(folder: Path, items: list[Entry]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (
        (folder / "sdn.csv").open("w", newline="", encoding="utf-8") as sdn,
        (folder / "alt.csv").open("w", newline="", encoding="utf-8") as alt,
        (folder / "sdn_comments.csv").open("w", newline="", encoding="utf-8") as comments,
    ):
        alt_num = count(1)
        for e in items:
            remarks = e.remarks
            head, tail = remarks[:REMARKS_CUT], remarks[REMARKS_CUT:]
            v = e.vessel
            sdn.write(
                _csv_line(
                    e.uid,
                    e.name,
                    None if e.kind == "entity" else e.kind,
                    "] [".join(e.programs),
                    None,  # Title
                    v and v.call_sign,
                    v and v.type,
                    None,  # Tonnage
                    None,  # GRT
                    v and v.flag,
                    None,  # Vess_owner
                    head,
                )
            )
            if tail:
                comments.write(_csv_line(e.uid, tail))
            for a in e.aliases:
                alt.write(_csv_line(e.uid, next(alt_num), a.type, a.name, None))
        for handle in (sdn, alt, comments):
            handle.write("\x1a")


def write_list(path: Path, fmt: str, n: int, *, seed: int = 0) -> None:
    """Write the `n` entries of `seed` in the form `fmt` ("sdn_xml", "advanced_xml": a file;
    "csv": a folder that gets sdn.csv, alt.csv and sdn_comments.csv)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    items = entries(n, seed)
    if fmt == "csv":
        _csv(path, items)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        (_classic if fmt == "sdn_xml" else _advanced)(out, items)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic OFAC SDN list.")
    parser.add_argument("format", choices=FORMATS)
    parser.add_argument("n", type=int, help="the number of entries")
    parser.add_argument("out", type=Path, help="the file (the folder, for csv) to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_list(args.out, args.format, args.n, seed=args.seed)
    print(f"wrote {args.n} entries ({args.format}) to {args.out}")


if __name__ == "__main__":
    main()
