"""A synthetic OFAC SDN list of N entries in any of its three published forms, the same entries
for the same seed whatever the form (for the import benchmark and the format tests).

    python bench/sanctions_gen.py sdn_xml 20000 /tmp/sdn.xml
    python bench/sanctions_gen.py csv 20000 /tmp/sdn-csv/
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

FIRST = ("Ivan", "María", "José", "Chen", "Olga", "Ahmed", "Léa", "Björn", "Aiko", "Nikolai")
LAST = ("Petrov", "García-López", "O'Neil", "Wang", "Kuznetsova", "Al-Rashid", "Müller", "Søren")
WORDS = ("Blue", "Harbour", "Global", "Trade", "Mixing", "Capital", "Star", "Ocean", "Nord")
SUFFIX = ("LTD.", "LLC", "S.A.", "GmbH", "FZE")
PROGRAMS = ("CYBER2", "DPRK3", "RUSSIA-EO14024", "SDGT", "IRAN")
CHAINS = ("ETH", "ETH", "ETH", "ETH", "XBT", "TRX")
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class Entry:
    uid: int
    individual: bool
    first: str
    last: str  # an entity's whole name
    programs: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...]  # (first, last)
    addresses: tuple[tuple[str, str], ...]  # (chain, address)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}".strip()


def _address(rng: random.Random, chain: str) -> str:
    if chain == "ETH":
        body = "".join(rng.choice("0123456789abcdef") for _ in range(40))
        mixed = "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in body)
        return "0x" + mixed
    prefix = "1" if chain == "XBT" else "T"
    return prefix + "".join(rng.choice(B58) for _ in range(33))


def entries(n: int, seed: int = 0) -> list[Entry]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        individual = rng.random() < 0.6
        if individual:
            first, last = rng.choice(FIRST), rng.choice(LAST).upper()
            aliases = tuple((rng.choice(FIRST), rng.choice(LAST)) for _ in range(rng.randint(0, 3)))
        else:
            first = ""
            last = f"{' '.join(rng.sample(WORDS, 2)).upper()} {i} {rng.choice(SUFFIX)}"
            aliases = tuple(
                ("", f"{rng.choice(WORDS)} {i} Group") for _ in range(rng.randint(0, 2))
            )
        aliases = tuple(
            dict.fromkeys(
                a for a in aliases if f"{a[0]} {a[1]}".strip() != f"{first} {last}".strip()
            )
        )
        addresses: tuple[tuple[str, str], ...] = ()
        if rng.random() < 0.1:
            addresses = tuple(
                (chain, _address(rng, chain))
                for chain in (rng.choice(CHAINS) for _ in range(rng.randint(1, 3)))
            )
        out.append(
            Entry(
                uid=10_000 + i,
                individual=individual,
                first=first,
                last=last,
                programs=tuple(sorted(set(rng.sample(PROGRAMS, rng.randint(1, 2))))),
                aliases=aliases,
                addresses=addresses,
            )
        )
    return out


def _x(text: str) -> str:
    return escape(text)


def _classic(path: Path, items: list[Entry]) -> None:
    ns = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" standalone="yes"?>\n<sdnList xmlns="{ns}">\n')
        out.write("  <publshInformation><Publish_Date>12/01/2026</Publish_Date>")
        out.write(f"<Record_Count>{len(items)}</Record_Count></publshInformation>\n")
        for e in items:
            out.write(f"  <sdnEntry><uid>{e.uid}</uid>")
            if e.first:
                out.write(f"<firstName>{_x(e.first)}</firstName>")
            kind = "Individual" if e.individual else "Entity"
            out.write(f"<lastName>{_x(e.last)}</lastName><sdnType>{kind}</sdnType><programList>")
            out.write("".join(f"<program>{p}</program>" for p in e.programs) + "</programList>")
            if e.aliases:
                out.write("<akaList>")
                for n, (first, last) in enumerate(e.aliases, start=1):
                    first_xml = f"<firstName>{_x(first)}</firstName>" if first else ""
                    out.write(
                        f"<aka><uid>{e.uid * 10 + n}</uid><type>a.k.a.</type>"
                        f"<category>strong</category><lastName>{_x(last)}</lastName>{first_xml}</aka>"
                    )
                out.write("</akaList>")
            if e.addresses:
                out.write("<idList>")
                for n, (chain, address) in enumerate(e.addresses, start=1):
                    out.write(
                        f"<id><uid>{e.uid * 10 + n}</uid><idType>Digital Currency Address - "
                        f"{chain}</idType><idNumber>{address}</idNumber></id>"
                    )
                out.write("</idList>")
            out.write("</sdnEntry>\n")
        out.write("</sdnList>\n")


def _advanced(path: Path, items: list[Entry]) -> None:
    ns = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
    feature_ids = {chain: 300 + n for n, chain in enumerate(sorted(set(CHAINS)))}
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<Sanctions xmlns="{ns}">\n')
        out.write("  <DateOfIssue><Year>2026</Year><Month>12</Month><Day>1</Day></DateOfIssue>\n")
        out.write(
            '  <ReferenceValueSets>\n    <AliasTypeValues><AliasType ID="1400">A.K.A.'
            '</AliasType><AliasType ID="1403">Name</AliasType></AliasTypeValues>\n'
        )
        out.write('    <FeatureTypeValues><FeatureType ID="8">Birthdate</FeatureType>')
        for chain, fid in feature_ids.items():
            out.write(f'<FeatureType ID="{fid}">Digital Currency Address - {chain}</FeatureType>')
        out.write("</FeatureTypeValues>\n")
        out.write(
            '    <PartySubTypeValues><PartySubType ID="4" PartyTypeID="1">Individual'
            '</PartySubType><PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType>'
            "</PartySubTypeValues>\n  </ReferenceValueSets>\n  <DistinctParties>\n"
        )
        for e in items:
            subtype = 4 if e.individual else 3
            out.write(
                f'    <DistinctParty FixedRef="{e.uid}"><Profile ID="{e.uid}" '
                f'PartySubTypeID="{subtype}"><Identity ID="{e.uid}" FixedRef="{e.uid}" '
                'Primary="true">'
            )
            names = [(True, e.first, e.last), *((False, f, last) for f, last in e.aliases)]
            for primary, first, last in names:
                alias_type = 1403 if primary else 1400
                parts = "".join(
                    f"<DocumentedNamePart><NamePartValue>{_x(part)}</NamePartValue>"
                    "</DocumentedNamePart>"
                    for part in (first, last)
                    if part
                )
                out.write(
                    f'<Alias AliasTypeID="{alias_type}" Primary="{str(primary).lower()}" '
                    f'LowQuality="false"><DocumentedName>{parts}</DocumentedName></Alias>'
                )
            out.write("</Identity>")
            for n, (chain, address) in enumerate(e.addresses):
                out.write(
                    f'<Feature ID="{e.uid * 10 + n}" FeatureTypeID="{feature_ids[chain]}">'
                    f'<FeatureVersion ID="{e.uid * 10 + n}"><VersionDetail DetailTypeID="1432">'
                    f"{address}</VersionDetail></FeatureVersion></Feature>"
                )
            out.write("</Profile></DistinctParty>\n")
        out.write("  </DistinctParties>\n  <SanctionsEntries>\n")
        for e in items:
            measures = "".join(
                f'<SanctionsMeasure ID="{e.uid}{n}" SanctionsTypeID="1"><Comment>{p}</Comment>'
                "</SanctionsMeasure>"
                for n, p in enumerate(e.programs)
            )
            out.write(
                f'    <SanctionsEntry ID="{e.uid}" ProfileID="{e.uid}" ListID="1">'
                f"{measures}</SanctionsEntry>\n"
            )
        out.write("  </SanctionsEntries>\n</Sanctions>\n")


def _csv(folder: Path, items: list[Entry]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    null = "-0- "
    with (
        (folder / "sdn.csv").open("w", newline="", encoding="utf-8") as sdn,
        (folder / "alt.csv").open("w", newline="", encoding="utf-8") as alt,
        (folder / "sdn_comments.csv").open("w", newline="", encoding="utf-8") as comments,
    ):
        rows, alts, notes = csv.writer(sdn), csv.writer(alt), csv.writer(comments)
        for e in items:
            remarks = "".join(f"Digital Currency Address - {c} {a}; " for c, a in e.addresses)
            # Long remarks continue in sdn_comments.csv, as OFAC splits them.
            head, tail = remarks[:60], remarks[60:]
            kind = "individual" if e.individual else null
            rows.writerow([e.uid, e.name, kind, "] [".join(e.programs), *[null] * 7, head or null])
            if tail:
                notes.writerow([e.uid, tail])
            for n, (first, last) in enumerate(e.aliases, start=1):
                alts.writerow([e.uid, e.uid * 10 + n, "aka", f"{first} {last}".strip(), null])
        for handle in (sdn, alt, comments):
            handle.write("\x1a\n")


def write_list(path: Path, fmt: str, n: int, *, seed: int = 0) -> None:
    items = entries(n, seed)
    {"sdn_xml": _classic, "advanced_xml": _advanced, "csv": _csv}[fmt](path, items)


def main() -> None:
    fmt, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    write_list(out, fmt, n)
    print(f"wrote {n} entries ({fmt}) to {out}")


if __name__ == "__main__":
    main()
