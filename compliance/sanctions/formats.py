"""Readers of the OFAC SDN list in its three published forms (no database, no Django).

- Classic XML (``sdn.xml``): root ``sdnList``; each ``sdnEntry`` has ``uid``, ``firstName``,
  ``lastName``, ``sdnType``, ``programList/program``, ``akaList/aka`` and ``idList/id``; an
  ``id`` whose ``idType`` is ``Digital Currency Address - <CODE>`` holds an address in
  ``idNumber``.
- Advanced XML (``sdn_advanced.xml``): root ``Sanctions``; ``ReferenceValueSets`` names the
  feature, alias and party types by id; each ``DistinctParty`` (``FixedRef`` = the uid) holds a
  ``Profile`` whose ``Identity`` holds ``Alias``/``DocumentedName``/``NamePartValue`` names and
  whose ``Feature``s (of a type ``Digital Currency Address - <CODE>``) hold addresses in
  ``VersionDetail``; programs come from ``SanctionsEntries`` after the parties.
- CSV: ``sdn.csv`` (ent_num, name, type, programs, ..., remarks), with ``alt.csv`` (aliases)
  and ``sdn_comments.csv`` (remarks continued) beside it; no header, ``-0-`` is null, and the
  addresses are written in the remarks (``Digital Currency Address - ETH 0x...;``).

Namespaces are ignored (elements are matched by local name). A file that cannot be read raises
`SanctionsFormatError` naming the file and the line or element at fault; nothing partial is
returned.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import iterparse

DCA = "Digital Currency Address - "
Progress = Callable[[int, int], None]
_REMARK_ADDRESS = re.compile(r"Digital Currency Address - ([A-Z0-9]+)\s+([0-9A-Za-z]+)")
_NULL = "-0-"


@dataclass(frozen=True)
class ListedAddress:
    chain: str
    address: str


@dataclass(frozen=True)
class ListedEntry:
    uid: str
    name: str
    kind: str
    programs: tuple[str, ...]
    aliases: tuple[str, ...]
    addresses: tuple[ListedAddress, ...]


@dataclass(frozen=True)
class ParsedList:
    format: str
    entries: list[ListedEntry]
    published: str
    sha256: str


class SanctionsFormatError(ValueError):
    """A file that cannot be read as an SDN list (the message says where)."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _unique(items: list[str], exclude: str = "") -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item != exclude:
            seen.setdefault(item, None)
    return tuple(seen)


def _csv_path(path: Path) -> Path | None:
    folder = path if path.is_dir() else None
    if folder is not None:
        for child in folder.iterdir():
            if child.name.lower() == "sdn.csv":
                return child
        return None
    return path


def detect_format(path: Path) -> str:
    """ "sdn_xml", "advanced_xml" or "csv", from the content."""
    if path.is_dir():
        if _csv_path(path) is None:
            raise SanctionsFormatError(f"{path.name}: no sdn.csv in the folder")
        return "csv"
    try:
        head = path.read_bytes()[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise SanctionsFormatError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if not head:
        raise SanctionsFormatError(f"{path.name}: the file is empty")
    if head.startswith(b"<"):
        match = re.search(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]", _skip_prolog(head))
        root = match.group(1).decode() if match else ""
        if root == "sdnList":
            return "sdn_xml"
        if root == "Sanctions":
            return "advanced_xml"
        raise SanctionsFormatError(f"{path.name}: an XML file whose root <{root}> is no SDN list")
    first = head.split(b"\n", 1)[0]
    if re.match(rb'^"?\d+"?,', first):
        return "csv"
    raise SanctionsFormatError(f"{path.name}: neither an SDN XML file nor an SDN CSV file")


def _skip_prolog(head: bytes) -> bytes:
    """The bytes from the root element on (past <?xml ...?>, comments and the doctype)."""
    return re.sub(rb"^(\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>))*\s*", b"", head, flags=re.S)


class _Counted(io.RawIOBase):
    """A file that reports how far it has been read."""

    def __init__(self, raw: io.BufferedReader, total: int, progress: Progress | None) -> None:
        self.raw, self.total, self.progress, self.done, self.last = raw, total, progress, 0, 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.done += len(data)
        if self.progress and (self.done - self.last >= self.total // 100 or not data):
            self.last = self.done
            self.progress(self.done, self.total)
        return len(data)


def _iterparse(path: Path, progress: Progress | None) -> tuple[_Counted, Iterator[Any]]:
    handle = path.open("rb")
    counted = _Counted(handle, path.stat().st_size, progress)
    reader = io.BufferedReader(counted)
    return counted, iterparse(reader, events=("start", "end"))


def _xml_error(path: Path, exc: ParseError) -> SanctionsFormatError:
    line = exc.position[0] if getattr(exc, "position", None) else "?"
    return SanctionsFormatError(f"{path.name} line {line}: not well-formed XML ({exc.msg})")


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip() if first else last


def _classic(path: Path, progress: Progress | None) -> ParsedList:
    counted, events = _iterparse(path, progress)
    entries: list[ListedEntry] = []
    published = ""
    root: Element | None = None
    try:
        for event, element in events:
            tag = _local(element.tag)
            if event == "start":
                if root is None:
                    root = element
                continue
            if tag == "Publish_Date":
                published = _text(element)
            elif tag == "sdnEntry":
                entries.append(_classic_entry(path, element, len(entries) + 1))
                if root is not None:
                    root.clear()  # keep memory flat on a large list
    except ParseError as exc:
        raise _xml_error(path, exc) from None
    finally:
        counted.raw.close()
    if progress:
        progress(counted.total, counted.total)
    return ParsedList(
        "sdn_xml", _no_duplicates(path, entries), published, counted.digest.hexdigest()
    )


def _classic_entry(path: Path, element: Element, index: int) -> ListedEntry:
    uid = _text(_child(element, "uid"))
    last = _text(_child(element, "lastName"))
    if not uid or not last:
        missing = "uid" if not uid else "lastName"
        raise SanctionsFormatError(
            f"{path.name}: sdnEntry #{index}{f' (uid {uid})' if uid else ''} has no {missing}"
        )
    name = _name(_text(_child(element, "firstName")), last)
    programs = element.find("./{*}programList")
    aliases = [
        _name(_text(_child(aka, "firstName")), _text(_child(aka, "lastName")))
        for aka_list in _children(element, "akaList")
        for aka in _children(aka_list, "aka")
    ]
    addresses = [
        ListedAddress(id_type[len(DCA) :].strip(), _text(_child(item, "idNumber")))
        for id_list in _children(element, "idList")
        for item in _children(id_list, "id")
        if (id_type := _text(_child(item, "idType"))).startswith(DCA)
        and _text(_child(item, "idNumber"))
    ]
    return ListedEntry(
        uid=uid,
        name=name,
        kind=_text(_child(element, "sdnType")).lower(),
        programs=_unique([_text(p) for p in programs]) if programs is not None else (),
        aliases=_unique(aliases, exclude=name),
        addresses=tuple(dict.fromkeys(addresses)),
    )


def _advanced(path: Path, progress: Progress | None) -> ParsedList:
    counted, events = _iterparse(path, progress)
    features: dict[str, str] = {}  # FeatureType ID -> chain code (digital-currency ones only)
    subtypes: dict[str, str] = {}  # PartySubType ID -> kind
    entries: list[ListedEntry] = []
    programs: dict[str, list[str]] = {}  # profile id -> programs
    date: dict[str, str] = {}
    in_date = False
    try:
        for event, element in events:
            tag = _local(element.tag)
            if event == "start":
                in_date = in_date or tag == "DateOfIssue"
                continue
            if in_date and tag in ("Year", "Month", "Day"):
                date[tag] = _text(element)
            elif tag == "DateOfIssue":
                in_date = False
            elif tag == "FeatureType":
                text = _text(element)
                if text.startswith(DCA):
                    features[element.get("ID", "")] = text[len(DCA) :].strip()
            elif tag == "PartySubType":
                kind = _text(element).lower()
                subtypes[element.get("ID", "")] = "" if kind == "unknown" else kind
            elif tag == "DistinctParty":
                entries.append(_advanced_entry(path, element, features, subtypes, len(entries)))
                element.clear()
            elif tag == "SanctionsEntry":
                profile = element.get("ProfileID", "")
                programs.setdefault(profile, []).extend(
                    _text(comment)
                    for comment in element.iterfind(".//{*}SanctionsMeasure/{*}Comment")
                )
                element.clear()
    except ParseError as exc:
        raise _xml_error(path, exc) from None
    finally:
        counted.raw.close()
    if progress:
        progress(counted.total, counted.total)
    published = (
        f"{int(date['Year']):04d}-{int(date['Month']):02d}-{int(date['Day']):02d}"
        if {"Year", "Month", "Day"} <= set(date) and all(v.isdigit() for v in date.values())
        else ""
    )
    entries = [
        ListedEntry(e.uid, e.name, e.kind, _unique(programs.get(e.uid, [])), e.aliases, e.addresses)
        for e in entries
    ]
    return ParsedList(
        "advanced_xml", _no_duplicates(path, entries), published, counted.digest.hexdigest()
    )


def _documented_name(alias: Element) -> str:
    documented = alias.find("./{*}DocumentedName")
    if documented is None:
        return ""
    parts = [_text(v) for v in documented.iterfind("./{*}DocumentedNamePart/{*}NamePartValue")]
    return " ".join(p for p in parts if p)


def _advanced_entry(
    path: Path,
    party: Element,
    features: dict[str, str],
    subtypes: dict[str, str],
    index: int,
) -> ListedEntry:
    uid = party.get("FixedRef", "").strip()
    profile = party.find("./{*}Profile")
    if not uid or profile is None:
        raise SanctionsFormatError(
            f"{path.name}: DistinctParty #{index + 1}{f' (FixedRef {uid})' if uid else ''} has "
            f"{'no Profile' if uid else 'no FixedRef'}"
        )
    primary, aliases = "", []
    for alias in profile.iterfind("./{*}Identity/{*}Alias"):
        name = _documented_name(alias)
        if alias.get("Primary") == "true" and not primary:
            primary = name
        else:
            aliases.append(name)
    if not primary:
        raise SanctionsFormatError(f"{path.name}: DistinctParty {uid} has no primary name")
    addresses = []
    for feature in profile.iterfind("./{*}Feature"):
        chain = features.get(feature.get("FeatureTypeID", ""))
        if chain is None:
            continue
        for detail in feature.iterfind("./{*}FeatureVersion/{*}VersionDetail"):
            if _text(detail):
                addresses.append(ListedAddress(chain, _text(detail)))
    return ListedEntry(
        uid=uid,
        name=primary,
        kind=subtypes.get(profile.get("PartySubTypeID", ""), ""),
        programs=(),
        aliases=_unique(aliases, exclude=primary),
        addresses=tuple(dict.fromkeys(addresses)),
    )


def _null(value: str) -> str:
    text = value.strip()
    return "" if text == _NULL else text


def _rows(path: Path, columns: int, digest: Any) -> Iterator[tuple[int, list[str]]]:
    data = path.read_bytes()
    digest.update(data)
    text = data.decode("utf-8", errors="replace")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (len(row) == 1 and row[0].strip() in ("", "\x1a")):
            continue
        if len(row) != columns or not row[0].strip().isdigit():
            raise SanctionsFormatError(
                f"{path.name} line {number}: expected {columns} fields starting with an entry "
                f"number, got {len(row)}"
            )
        yield number, row


def _sibling(folder: Path, name: str) -> Path | None:
    for child in folder.iterdir():
        if child.name.lower() == name:
            return child
    return None


def _csv(path: Path, progress: Progress | None) -> ParsedList:
    sdn = _csv_path(path)
    if sdn is None:
        raise SanctionsFormatError(f"{path.name}: no sdn.csv in the folder")
    folder = sdn.parent
    digest = hashlib.sha256()
    entries: dict[str, dict[str, Any]] = {}
    rows = list(_rows(sdn, 12, digest))
    for done, (_, row) in enumerate(rows, start=1):
        uid = row[0].strip()
        kind = _null(row[2]).lower()
        entries[uid] = {
            "name": _null(row[1]),
            "kind": kind or "entity",
            "programs": [p.strip(" []") for p in _null(row[3]).split("] [") if p.strip(" []")],
            "aliases": [],
            "remarks": _null(row[11]),
        }
        if progress and done % 500 == 0:
            progress(done, len(rows) * 2)
    alt = _sibling(folder, "alt.csv")
    if alt is not None:
        for number, row in _rows(alt, 5, digest):
            entry = entries.get(row[0].strip())
            if entry is None:
                raise SanctionsFormatError(
                    f"{alt.name} line {number}: alias of unknown entry {row[0].strip()}"
                )
            entry["aliases"].append(_null(row[3]))
    comments = _sibling(folder, "sdn_comments.csv")
    if comments is not None:
        for number, row in _rows(comments, 2, digest):
            entry = entries.get(row[0].strip())
            if entry is None:
                raise SanctionsFormatError(
                    f"{comments.name} line {number}: remarks of unknown entry {row[0].strip()}"
                )
            entry["remarks"] += _null(row[1])
    if progress:
        progress(len(rows) * 2, len(rows) * 2)
    listed = [
        ListedEntry(
            uid=uid,
            name=e["name"],
            kind=e["kind"],
            programs=_unique(e["programs"]),
            aliases=_unique(e["aliases"], exclude=e["name"]),
            addresses=tuple(
                dict.fromkeys(ListedAddress(c, a) for c, a in _REMARK_ADDRESS.findall(e["remarks"]))
            ),
        )
        for uid, e in entries.items()
    ]
    if len(listed) != len(rows):
        raise SanctionsFormatError(f"{sdn.name}: an entry number appears twice")
    return ParsedList("csv", listed, "", digest.hexdigest())


def _no_duplicates(path: Path, entries: list[ListedEntry]) -> list[ListedEntry]:
    seen: set[str] = set()
    for entry in entries:
        if entry.uid in seen:
            raise SanctionsFormatError(f"{path.name}: entry uid {entry.uid} appears twice")
        seen.add(entry.uid)
    return entries


def read_list(path: Path, *, progress: Progress | None = None) -> ParsedList:
    """Read a list file (see the module's notes) whole; raise SanctionsFormatError if bad."""
    fmt = detect_format(path)
    reader = {"sdn_xml": _classic, "advanced_xml": _advanced, "csv": _csv}[fmt]
    return reader(path, progress)
