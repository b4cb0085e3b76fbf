"""Readers of the OFAC SDN list in its three published forms (pure Python: no database, no Django).

- Classic XML (``sdn.xml``): root ``sdnList``; ``publshInformation/Publish_Date``; each
  ``sdnEntry`` has ``uid``, ``firstName`` (optional), ``lastName``, ``sdnType``,
  ``programList/program``, ``akaList/aka`` and ``idList/id``. An ``id`` whose ``idType`` is
  ``Digital Currency Address - <CODE>`` holds an address in ``idNumber``.
- Advanced XML (``sdn_advanced.xml``): root ``Sanctions``; ``DateOfIssue`` (Year, Month, Day);
  ``ReferenceValueSets`` names the feature, party and sanctions types by ID; each
  ``DistinctParty`` (``FixedRef`` = the uid) holds a ``Profile`` whose ``Identity/Alias``
  elements hold the names (``DocumentedName/DocumentedNamePart/NamePartValue``; the alias with
  ``Primary="true"`` is the name) and whose ``Feature`` elements of a type
  ``Digital Currency Address - <CODE>`` hold addresses in ``FeatureVersion/VersionDetail``.
  The programs are the ``SanctionsEntry/SanctionsMeasure/Comment`` texts, after the parties,
  joined to them by ``ProfileID``.
- CSV: ``sdn.csv`` (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
  Tonnage, GRT, Vess_flag, Vess_owner, Remarks), with ``alt.csv`` (aliases) and
  ``sdn_comments.csv`` (the rest of a long Remarks) beside it; no header row, ``-0-`` is null,
  an end-of-file ``\\x1a`` line is skipped; the addresses are written in the remarks
  (``Digital Currency Address - ETH 0x...;``).

XML namespaces are ignored (elements are matched by local name) and XML is parsed with
defusedxml (no entity expansion, no external references). A file that cannot be read raises
`SanctionsFormatError`, naming the file and the line (and the entry) at fault; nothing partial
is returned.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

__all__ = [
    "ListedAddress",
    "ListedEntry",
    "ParsedList",
    "SanctionsFormatError",
    "detect_format",
    "read_list",
]

DCA = "Digital Currency Address - "
KINDS = frozenset({"individual", "entity", "vessel", "aircraft"})
Progress = Callable[[int, int], None]

_SNIFF_BYTES = 64 * 1024
_PROLOG = re.compile(
    rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)")
_INTEGER = re.compile(r"[0-9]+")
_REMARK_ADDRESS = re.compile(r"Digital Currency Address\s*-\s*([A-Z0-9]+)\s+([0-9A-Za-z]+)")
_CSV_SIBLINGS = ("alt.csv", "sdn_comments.csv")  # read after sdn.csv, in this order


@dataclass(frozen=True)
class ListedAddress:
    """A digital-currency address as listed: the chain code and the address as published."""

    chain: str
    address: str


@dataclass(frozen=True)
class ListedEntry:
    """One list entry: its names, programs and digital-currency addresses."""

    uid: str
    name: str
    kind: str
    programs: tuple[str, ...]
    aliases: tuple[str, ...]
    addresses: tuple[ListedAddress, ...]


@dataclass(frozen=True)
class ParsedList:
    """A whole list file, read: its form, its entries in file order, its date and digest."""

    format: str
    entries: list[ListedEntry]
    published: str
    sha256: str


class SanctionsFormatError(ValueError):
    """A file that cannot be read as an SDN list; the message names the file and the line
    (XML: the line of the element at fault, with the entry's uid where it has one; CSV: the
    file name and line number)."""


# -- detection -------------------------------------------------------------------------------


def detect_format(path: Path) -> str:
    """Return "sdn_xml", "advanced_xml" or "csv", sniffed from the content (a folder holding
    sdn.csv is "csv"); raise SanctionsFormatError for anything else."""
    if path.is_dir():
        if _find_file(path, "sdn.csv") is None:
            raise SanctionsFormatError(f"{path.name}: a folder without sdn.csv")
        return "csv"
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise SanctionsFormatError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head:
        raise SanctionsFormatError(f"{path.name}: the file is empty")
    if head.startswith(b"<"):
        root = _root_name(head)
        if root == "sdnList":
            return "sdn_xml"
        if root == "Sanctions":
            return "advanced_xml"
        if not root:
            raise SanctionsFormatError(f"{path.name}: markup without a root element")
        raise SanctionsFormatError(f"{path.name}: the XML root <{root}> is not an SDN list")
    if _looks_like_sdn_csv(head):
        return "csv"
    raise SanctionsFormatError(f"{path.name}: neither an SDN XML file nor an SDN CSV file")


def _root_name(head: bytes) -> str:
    """The local name of the first element, past the XML declaration, comments and doctype."""
    position = 0
    while match := _PROLOG.match(head, position):
        position = match.end()
    root = _ROOT.match(head, position)
    return root.group(1).decode("ascii", "replace").rpartition(":")[2] if root else ""


def _looks_like_sdn_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("latin-1")
    try:
        row = next(csv.reader([first]), [])
    except csv.Error:
        return False
    return len(row) >= 2 and _INTEGER.fullmatch(row[0].strip()) is not None


def _find_file(folder: Path, name: str) -> Path | None:
    """The file of that name in the folder, whatever its letter case."""
    matches = sorted(p for p in folder.iterdir() if p.name.lower() == name and p.is_file())
    return matches[0] if matches else None


# -- reading ---------------------------------------------------------------------------------


def read_list(path: Path, *, progress: Progress | None = None) -> ParsedList:
    """Read a list file whole (any of the three forms, or a folder holding sdn.csv).

    `progress(bytes_done, bytes_total)` is called as the reading advances (about every 1%)
    and once at the end with done == total. Raise SanctionsFormatError if the file is bad.
    """
    fmt = detect_format(path)
    if fmt == "csv":
        return _CsvList(path, progress).read()
    reader = _ClassicXml(path, progress) if fmt == "sdn_xml" else _AdvancedXml(path, progress)
    return reader.read()


class _Meter:
    """Hashes the bytes read across a list's files and reports the progress about every 1%."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self.digest = hashlib.sha256()
        self._step = max(1, total // 100)
        self._next = self._step

    def add(self, data: bytes) -> None:
        self.digest.update(data)
        self.done += len(data)
        if self.progress is not None and self._next <= self.done < self.total:
            self._next = self.done + self._step
            self.progress(self.done, self.total)

    def finish(self) -> str:
        """Report the end (done == total) and return the hex digest."""
        if self.progress is not None:
            self.progress(self.done, self.done)
        return self.digest.hexdigest()


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}" if first and last else first or last


def _kind(text: str) -> str:
    kind = text.strip().lower()
    return kind if kind in KINDS else ""


def _unique(items: list[str], *, exclude: str = "") -> tuple[str, ...]:
    """The non-empty items in order, each once, without `exclude`."""
    return tuple(dict.fromkeys(item for item in items if item and item != exclude))


def _check_entries(name: str, entries: list[ListedEntry]) -> list[ListedEntry]:
    if not entries:
        raise SanctionsFormatError(f"{name}: the list holds no entries")
    return entries


# -- XML -------------------------------------------------------------------------------------


class _Builder(TreeBuilder):
    """Builds the elements under their local names (namespaces dropped) and notes the line on
    which each element of the `noted` names starts."""

    def __init__(self, noted: frozenset[str]) -> None:
        super().__init__()
        self.noted = noted
        self.lines: dict[Element, int] = {}
        self.expat: Any = None  # the expat parser, set once the XML parser exists

    def start(self, tag: str, attrs: dict[str, str], /) -> Element:
        local = tag.rpartition("}")[2]
        element = _tree_start(self, local, attrs)  # not super(): this runs for every element
        if local in self.noted:
            self.lines[element] = self.expat.CurrentLineNumber
        return element


_tree_start = TreeBuilder.start


class _MeteredFile:
    """A binary file whose reads go through a `_Meter`."""

    def __init__(self, handle: BinaryIO, meter: _Meter) -> None:
        self.handle, self.meter = handle, meter

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.meter.add(data)
        return data


class _XmlList:
    """Streams one XML list file, handing each finished element to the handler for its name."""

    format = ""
    noted: frozenset[str] = frozenset()  # the elements whose line an error may name

    def __init__(self, path: Path, progress: Progress | None) -> None:
        self.path = path
        self.progress = progress
        self.builder = _Builder(self.noted)
        self.entries: list[ListedEntry] = []
        self.published = ""
        self._first_line: dict[str, int] = {}  # uid -> line of the entry

    def handlers(self) -> dict[str, Callable[[Element], None]]:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once the whole file has been parsed."""

    def read(self) -> ParsedList:
        parser = DefusedXMLParser(target=self.builder)
        self.builder.expat = parser.parser
        handlers = self.handlers()
        try:
            size = self.path.stat().st_size
            meter = _Meter(size, self.progress)
            with self.path.open("rb") as handle:
                events = iterparse(_MeteredFile(handle, meter), events=("end",), parser=parser)
                for _event, element in events:
                    handler = handlers.get(element.tag)
                    if handler is not None:
                        handler(element)
        except ParseError as exc:
            line, column = getattr(exc, "position", None) or (0, 0)
            reason = str(exc).rsplit(": line ", 1)[0]
            raise SanctionsFormatError(
                f"{self.path.name} line {line}, column {column + 1}: XML error: {reason}"
            ) from None
        except DefusedXmlException as exc:
            raise SanctionsFormatError(
                f"{self.path.name} line {self.builder.expat.CurrentLineNumber}: refused by the "
                f"safe XML parser ({exc})"
            ) from None
        except OSError as exc:
            raise SanctionsFormatError(
                f"{self.path.name}: cannot be read ({exc.strerror or exc})"
            ) from None
        self.finish()
        sha256 = meter.finish()
        entries = _check_entries(self.path.name, self.entries)
        return ParsedList(self.format, entries, self.published, sha256)

    def line(self, element: Element) -> int:
        """The line on which a noted element starts (forgotten once asked)."""
        return self.builder.lines.pop(element, 0)

    def error(self, line: int, message: str) -> SanctionsFormatError:
        return SanctionsFormatError(f"{self.path.name} line {line}: {message}")

    def add(self, line: int, tag: str, entry: ListedEntry) -> None:
        first = self._first_line.get(entry.uid)
        if first is not None:
            raise self.error(line, f"{tag} uid {entry.uid} appears twice (first at line {first})")
        self._first_line[entry.uid] = line
        self.entries.append(entry)


class _ClassicXml(_XmlList):
    """sdn.xml: root sdnList, one sdnEntry per entry."""

    format = "sdn_xml"
    noted = frozenset({"sdnEntry"})

    def handlers(self) -> dict[str, Callable[[Element], None]]:
        return {"Publish_Date": self._publish_date, "sdnEntry": self._entry}

    def _publish_date(self, element: Element) -> None:
        self.published = self.published or _text(element)

    def _entry(self, element: Element) -> None:
        line = self.line(element)
        uid = _text(element.find("uid"))
        if not uid:
            raise self.error(line, "sdnEntry has no uid")
        last = _text(element.find("lastName"))
        if not last:
            raise self.error(line, f"sdnEntry uid {uid} has no lastName")
        name = _full_name(_text(element.find("firstName")), last)
        aliases = [
            _full_name(_text(aka.find("firstName")), _text(aka.find("lastName")))
            for aka in element.iterfind("akaList/aka")
        ]
        addresses: list[ListedAddress] = []
        for item in element.iterfind("idList/id"):
            id_type = _text(item.find("idType"))
            if not id_type.startswith(DCA):
                continue
            chain, address = id_type[len(DCA) :].strip(), _text(item.find("idNumber"))
            if not chain or not address:
                raise self.error(line, f"sdnEntry uid {uid}: an id '{id_type}' without a value")
            addresses.append(ListedAddress(chain, address))
        entry = ListedEntry(
            uid=uid,
            name=name,
            kind=_kind(_text(element.find("sdnType"))),
            programs=_unique([_text(p) for p in element.iterfind("programList/program")]),
            aliases=_unique(aliases, exclude=name),
            addresses=tuple(dict.fromkeys(addresses)),
        )
        element.clear()  # keep the tree small on a large list
        self.add(line, "sdnEntry", entry)


def _documented_name(documented: Element | None) -> str:
    if documented is None:
        return ""
    values = documented.iterfind("DocumentedNamePart/NamePartValue")
    return " ".join(text for value in values if (text := _text(value)))


@dataclass
class _Party:
    """A DistinctParty as read, before the reference values and programs are joined to it."""

    line: int
    uid: str
    profile: str
    subtype: str
    name: str
    aliases: tuple[str, ...]
    features: list[tuple[str, str]]  # (FeatureTypeID, VersionDetail text)
    programs: list[tuple[str, str]] = field(default_factory=list)  # (SanctionsTypeID, Comment)


class _AdvancedXml(_XmlList):
    """sdn_advanced.xml: root Sanctions; reference values, then the parties, then the
    sanctions entries that carry the programs."""

    format = "advanced_xml"
    noted = frozenset({"DistinctParty", "SanctionsEntry"})

    def __init__(self, path: Path, progress: Progress | None) -> None:
        super().__init__(path, progress)
        self.feature_types: dict[str, str] = {}  # ID -> text
        self.subtypes: dict[str, tuple[str, str]] = {}  # ID -> (text, PartyTypeID)
        self.party_types: dict[str, str] = {}
        self.sanctions_types: dict[str, str] = {}
        self.parties: list[_Party] = []
        self.by_profile: dict[str, _Party] = {}

    def handlers(self) -> dict[str, Callable[[Element], None]]:
        def clear(element: Element) -> None:
            element.clear()

        return {
            "DateOfIssue": self._date_of_issue,
            "FeatureType": self._reference(self.feature_types),
            "PartyType": self._reference(self.party_types),
            "SanctionsType": self._reference(self.sanctions_types),
            "PartySubType": self._subtype,
            "DistinctParty": self._party,
            "SanctionsEntry": self._sanctions_entry,
            # The sections this reader does not use: dropped as they are read.
            "Location": clear,
            "IDRegDocument": clear,
            "ProfileRelationship": clear,
        }

    @staticmethod
    def _reference(values: dict[str, str]) -> Callable[[Element], None]:
        def handle(element: Element) -> None:
            values[element.get("ID", "")] = _text(element)

        return handle

    def _subtype(self, element: Element) -> None:
        self.subtypes[element.get("ID", "")] = (_text(element), element.get("PartyTypeID", ""))

    def _date_of_issue(self, element: Element) -> None:
        parts = [_text(element.find(name)) for name in ("Year", "Month", "Day")]
        if all(part.isdigit() for part in parts):
            year, month, day = (int(part) for part in parts)
            self.published = f"{year:04d}-{month:02d}-{day:02d}"

    def _party(self, element: Element) -> None:
        line = self.line(element)
        uid = element.get("FixedRef", "").strip()
        if not uid:
            raise self.error(line, "DistinctParty has no FixedRef")
        profile = element.find("Profile")
        if profile is None:
            raise self.error(line, f"DistinctParty FixedRef {uid} has no Profile")
        primary = ""
        aliases: list[str] = []
        for alias in profile.iterfind("Identity/Alias"):
            name = _documented_name(alias.find("DocumentedName"))  # the first (Latin) one
            if alias.get("Primary") == "true" and not primary:
                primary = name
            else:
                aliases.append(name)
        if not primary:
            raise self.error(line, f"DistinctParty FixedRef {uid} has no primary name")
        features = [
            (feature.get("FeatureTypeID", ""), _text(version.find("VersionDetail")))
            for feature in profile.iterfind("Feature")
            for version in feature.iterfind("FeatureVersion")
        ]
        party = _Party(
            line=line,
            uid=uid,
            profile=profile.get("ID", uid).strip(),
            subtype=profile.get("PartySubTypeID", ""),
            name=primary,
            aliases=_unique(aliases, exclude=primary),
            features=features,
        )
        element.clear()
        if party.profile in self.by_profile:
            first = self.by_profile[party.profile].line
            raise self.error(line, f"Profile ID {party.profile} appears twice (first at {first})")
        self.by_profile[party.profile] = party
        self.parties.append(party)

    def _sanctions_entry(self, element: Element) -> None:
        line = self.line(element)
        profile = element.get("ProfileID", "").strip()
        party = self.by_profile.get(profile)
        if party is None:
            raise self.error(line, f"SanctionsEntry for an unknown ProfileID {profile!r}")
        party.programs.extend(
            (measure.get("SanctionsTypeID", ""), _text(measure.find("Comment")))
            for measure in element.iterfind("SanctionsMeasure")
        )
        element.clear()

    def finish(self) -> None:
        chains = {
            type_id: text[len(DCA) :].strip()
            for type_id, text in self.feature_types.items()
            if text.startswith(DCA)
        }
        for party in self.parties:
            addresses: list[ListedAddress] = []
            for type_id, value in party.features:
                chain = chains.get(type_id)
                if chain is None:
                    continue
                if not value:
                    message = f"DistinctParty FixedRef {party.uid}: an address without a value"
                    raise self.error(party.line, message)
                addresses.append(ListedAddress(chain, value))
            self.add(
                party.line,
                "DistinctParty",
                ListedEntry(
                    uid=party.uid,
                    name=party.name,
                    kind=self._party_kind(party.subtype),
                    programs=self._programs(party.programs),
                    aliases=party.aliases,
                    addresses=tuple(dict.fromkeys(addresses)),
                ),
            )

    def _party_kind(self, subtype_id: str) -> str:
        """The sub-type's name; for the "Unknown" sub-types (individuals and entities in the
        published file), the party type's."""
        text, party_type = self.subtypes.get(subtype_id, ("", ""))
        return _kind(text) or _kind(self.party_types.get(party_type, ""))

    def _programs(self, measures: list[tuple[str, str]]) -> tuple[str, ...]:
        """The measures' comments; where the measure's type is known, only the Program ones
        (a "Block" measure has no program)."""
        return _unique(
            [
                comment
                for type_id, comment in measures
                if self.sanctions_types.get(type_id, "Program").lower() == "program"
            ]
        )


# -- CSV -------------------------------------------------------------------------------------


def _null(value: str) -> str:
    text = value.strip()
    return "" if text == "-0-" else text


def _programs(value: str) -> tuple[str, ...]:
    """The programs of a Program field: "CYBER2] [DPRK3" is ("CYBER2", "DPRK3")."""
    return _unique([part.strip(" []") for part in _null(value).split("] [")])


@dataclass
class _CsvEntry:
    name: str
    kind: str
    programs: tuple[str, ...]
    remarks: str
    aliases: list[str] = field(default_factory=list)


class _CsvList:
    """sdn.csv with alt.csv and sdn_comments.csv beside it."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        sdn = _find_file(path, "sdn.csv") if path.is_dir() else path
        if sdn is None:
            raise SanctionsFormatError(f"{path.name}: a folder without sdn.csv")
        self.sdn = sdn
        self.siblings = {
            name: found
            for name in _CSV_SIBLINGS
            if (found := _find_file(sdn.parent, name)) is not None and found != sdn
        }
        self.progress = progress

    def read(self) -> ParsedList:
        total = sum(_size(f) for f in (self.sdn, *self.siblings.values()))
        meter = _Meter(total, self.progress)
        entries: dict[str, _CsvEntry] = {}
        lines: dict[str, int] = {}
        for line, row in self._rows(self.sdn, 12, meter):
            uid = row[0].strip()
            if uid in entries:
                raise self._error(
                    self.sdn, line, f"ent_num {uid} appears twice (first at line {lines[uid]})"
                )
            name = _null(row[1])
            if not name:
                raise self._error(self.sdn, line, f"ent_num {uid} has no SDN_Name")
            sdn_type = _null(row[2])
            remarks = row[11] if _null(row[11]) else ""
            entries[uid] = _CsvEntry(name, _kind(sdn_type or "entity"), _programs(row[3]), remarks)
            lines[uid] = line
        if not entries:
            raise SanctionsFormatError(f"{self.sdn.name}: the list holds no entries")
        if alt := self.siblings.get("alt.csv"):
            for line, row in self._rows(alt, 5, meter):
                self._entry(entries, alt, line, row).aliases.append(_null(row[3]))
        if comments := self.siblings.get("sdn_comments.csv"):
            for line, row in self._rows(comments, 2, meter):
                entry = self._entry(entries, comments, line, row)
                if _null(row[1]):
                    entry.remarks += row[1]  # the continuation: cut mid-text, joined as is
        sha256 = meter.finish()
        listed = [
            ListedEntry(
                uid=uid,
                name=e.name,
                kind=e.kind,
                programs=e.programs,
                aliases=_unique(e.aliases, exclude=e.name),
                addresses=tuple(
                    dict.fromkeys(
                        ListedAddress(chain, address)
                        for chain, address in _REMARK_ADDRESS.findall(e.remarks)
                    )
                ),
            )
            for uid, e in entries.items()
        ]
        return ParsedList("csv", listed, "", sha256)

    @staticmethod
    def _error(path: Path, line: int, message: str) -> SanctionsFormatError:
        return SanctionsFormatError(f"{path.name} line {line}: {message}")

    def _entry(
        self, entries: dict[str, _CsvEntry], path: Path, line: int, row: list[str]
    ) -> _CsvEntry:
        entry = entries.get(row[0].strip())
        if entry is None:
            raise self._error(path, line, f"ent_num {row[0].strip()} is not in {self.sdn.name}")
        return entry

    def _rows(self, path: Path, columns: int, meter: _Meter) -> Iterator[tuple[int, list[str]]]:
        """The data rows of a file with their first line numbers, each checked for its number
        of fields and its integer ent_num."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SanctionsFormatError(f"{path.name}: cannot be read ({exc.strerror})") from None
        encoding = _encoding(data)

        def lines() -> Iterator[str]:
            for raw in data.splitlines(keepends=True):  # bytes: splits at \r and \n only
                meter.add(raw)
                yield raw.decode(encoding)

        reader = csv.reader(lines(), strict=True)
        last = 0
        while True:
            try:
                row = next(reader, None)
            except csv.Error as exc:
                raise self._error(path, last + 1, f"not readable as CSV ({exc})") from None
            if row is None:
                return
            line, last = last + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip(" \t\x1a")):
                continue  # a blank line, or the end-of-file mark
            if len(row) != columns:
                raise self._error(path, line, f"{len(row)} fields where {columns} are expected")
            if not _INTEGER.fullmatch(row[0].strip()):
                raise self._error(path, line, f"the ent_num {row[0]!r} is not an integer")
            yield line, row


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise SanctionsFormatError(f"{path.name}: cannot be read ({exc.strerror})") from None


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without a BOM) where the bytes are that, else Windows-1252 or Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"
