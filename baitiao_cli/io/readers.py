"""Reading raw rows out of CSV, JSON and JSON Lines files, with encoding detection.

A reader turns the bytes of one file into a :class:`RawFile`: the column names (CSV header,
or the union of the JSON keys in first-seen order; normalised: stripped, lower case), the
data ``rows`` (lists of strings aligned with the columns) and ``pos``, whose ``line_num``
tells after each row the last physical line consumed so far, as ``csv.reader`` does. Rows
the reader already refused (a stray quote, a JSON value of the wrong type, a duplicate key)
have their line in ``rejected``. A plain CSV file (no quote anywhere, an ASCII-compatible
encoding) also exposes its remaining lines as ``stream`` for the column driver (io.columns).
Whole-file and syntax faults are appended to the problem list as they are met; nothing here
raises for bad bytes.

Line numbers are physical lines: the line where the record starts (CSV, with quoted
multi-line fields counted through ``csv.reader.line_num``; JSONL; and for a JSON array the
line where the object's ``{`` is).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from ..errors import Problem

Record = tuple  # (line: int, row: list[str], ok: bool)

TORN = "incomplete last line (torn write?)"
_UTF8_BOM = b"\xef\xbb\xbf"
# Codecs (by codecs.lookup name) in which a byte 0x22 is always '"' and 0x0A always a line
# feed: the bytes can go straight to csv.reader through a TextIOWrapper.
_ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "ascii", "iso8859-1",
                     "cp1252", "big5"}
# A well-formed CSV record (default dialect): every field either wholly quoted with inner
# quotes doubled, or unquoted without any quote. Used only on records that contain a quote.
_CSV_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
_CSV_RECORD = re.compile(_CSV_FIELD + r"(?:," + _CSV_FIELD + r")*(?:\r\n|\n|\r)?\Z")
_JSON_WS = re.compile(r"[ \t\n\r]*")
MAX_RESYNC = 50


class _Num(str):
    """The literal text of a JSON number: read through its text, never through a float."""

    __slots__ = ()


class _Dup(dict):
    """A JSON object in which some key appeared twice (the duplicates are kept aside)."""

    __slots__ = ("dups",)


def _object_pairs(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set = set()
        dups = [k for k, _ in pairs if k in seen or seen.add(k)]
        dd = _Dup(d)
        dd.dups = dups
        return dd
    return d


_JSON = json.JSONDecoder(parse_float=_Num, parse_int=_Num, parse_constant=str,
                         object_pairs_hook=_object_pairs)


@dataclass
class RawFile:
    path: Path
    label: str                               # how problems name the file
    fmt: str                                 # csv | json | jsonl | parquet
    columns: list = field(default_factory=list)   # normalised column names
    header_line: int = 1
    ends_with_newline: bool = True
    empty: bool = False                      # 0 bytes / only whitespace: no header at all
    unreadable: bool = False                 # a whole-file fault: nothing in it can be used
    has_header: bool = True
    column_lines: dict = field(default_factory=dict)   # JSON: column -> line of first use
    stream: Optional[Iterator] = None        # plain CSV only: the lines after the header
    reader: Optional[Iterator] = None        # plain CSV only: csv.reader over ``stream``
    items: Optional[Iterator] = None         # otherwise: (line, row, ok) of each record
    table: Optional[object] = None           # io.arrow: every column as text (a pyarrow Table)
    first_line: int = 2                      # io.arrow: the line of the table's first row
    bad_types: dict = field(default_factory=dict)   # Parquet: column -> a type that cannot be read
    _rows: Optional["Rows"] = None

    # The row protocol (io.rows' row driver, io.table): iterating ``rows`` gives the rows;
    # ``pos.line_num`` + 1 before a row is its line; ``rejected`` holds the lines of rows the
    # reader has already reported. Use either this or ``items``/``stream``, not both.
    @property
    def rows(self):
        return self.reader if self.reader is not None else self._as_rows()

    @property
    def pos(self):
        return self.rows

    @property
    def rejected(self) -> set:
        return set() if self.reader is not None else self._as_rows().rejected

    def _as_rows(self) -> "Rows":
        if self._rows is None:
            self._rows = Rows(self.items if self.items is not None else (), self.header_line)
        return self._rows


def norm_column(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, label: str, problems: list, encoding: Optional[str]) -> Optional[tuple[str, str]]:
    """The text of a file: UTF-8 (with or without BOM) when the bytes are valid UTF-8, else
    ``encoding`` when given, else GB18030 (a superset of GBK and GB2312: what Excel writes on a
    Chinese Windows).

    A file that decodes as UTF-8 is read as UTF-8 even with ``encoding`` (so one --encoding
    serves a folder that mixes Excel exports with the tool's own UTF-8 journals; text in
    another encoding is practically never valid UTF-8). Returns ``(text, codec)``, or None
    after appending a Problem when the bytes cannot be decoded. A leading BOM is dropped.
    """
    if data.startswith(_UTF8_BOM):
        body, enc = data[3:], "utf-8-sig"
    else:
        body, enc = data, "utf-8"
    if body.isascii():
        return body.decode("ascii"), enc
    try:
        return body.decode("utf-8"), enc
    except UnicodeDecodeError as e:
        first_bad = e.start + len(data) - len(body)
    if enc == "utf-8-sig":
        pass                               # a UTF-8 BOM but broken UTF-8 after it: no guessing
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) and not encoding:
        problems.append(Problem(label, 0, "", "the file is UTF-16 (Excel 'Unicode text'); "
                                              "save it as 'CSV UTF-8' or pass --encoding utf-16"))
        return None
    else:
        fallback = encoding or "gb18030"
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError as e:
            problems.append(_undecodable(label, data, e.start, fallback, encoding))
            return None
        return (text[1:] if text.startswith("\ufeff") else text), fallback
    bad = data[first_bad:first_bad + 4]
    problems.append(Problem(label, _line_of_offset(data, first_bad), "",
                            f"starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                            f"(bad byte(s) {bad.hex(' ')})"))
    return None


def _undecodable(label: str, data: bytes, start: int, fallback: str, encoding: Optional[str]) -> Problem:
    """The bytes of the file are neither UTF-8 nor ``fallback``: worded without naming UTF-8 twice
    (``--encoding utf-8`` on a GBK file) and with the way out."""
    bad = data[start:start + 4]
    where = f"(bad byte(s) {bad.hex(' ')})"
    if fallback.lower().replace("_", "-") in ("utf-8", "utf8"):
        try:
            data.decode("gb18030")
            return Problem(label, _line_of_offset(data, start), "",
                           f"not valid UTF-8 {where}; it reads as GBK/GB18030 (an Excel export): "
                           "pass --encoding gb18030 or save the file as 'CSV UTF-8'")
        except UnicodeDecodeError:
            return Problem(label, _line_of_offset(data, start), "", f"not valid UTF-8 {where}; check --encoding")
    return Problem(label, _line_of_offset(data, start), "",
                   f"not valid UTF-8 nor {fallback} {where}; "
                   + ("check --encoding" if encoding else "save the file as UTF-8 or pass --encoding"))


def _check_nul(text: str, label: str, problems: list) -> Optional[str]:
    """NUL characters: a tail of NULs is a torn write (reported, then cut off); NULs inside
    the text mean a binary or UTF-16 file (the file is refused)."""
    if "\x00" not in text:
        return text
    stripped = text.rstrip("\x00")
    if "\x00" not in stripped:
        problems.append(Problem(label, stripped.count("\n") + 1, "",
                                f"the file ends with {len(text) - len(stripped)} NUL byte(s): "
                                f"{TORN}"))
        return stripped
    problems.append(Problem(label, text.count("\n", 0, text.index("\x00")) + 1, "",
                            "contains NUL bytes: not a text file (binary, or UTF-16 without BOM?)"))
    return None


def open_file(path: Path, label: str, fmt: str, problems: list,
              encoding: Optional[str] = None) -> RawFile:
    """Read one data file into a RawFile. Never raises for the file's content."""
    if fmt == "parquet":
        from .arrow import open_parquet        # (pyarrow only for the commands that load a book)
        return open_parquet(path, label, problems)
    raw = RawFile(path=path, label=label, fmt=fmt)
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(Problem(label, 0, "", f"cannot read the file: {e.strerror or e}"))
        raw.unreadable = True
        return raw
    raw.ends_with_newline = data.endswith((b"\n", b"\r")) or not data.strip()
    decoded = decode(data, label, problems, encoding if fmt == "csv" else None)
    if decoded is None:
        raw.unreadable = True
        return raw
    text, enc = decoded
    n_text = len(text)
    text = _check_nul(text, label, problems)
    if text is not None and len(text) != n_text:
        data = None                          # a NUL tail was cut off: read the text, not the bytes
        raw.ends_with_newline = text.endswith(("\n", "\r")) or not text.strip()
    if text is None:
        raw.unreadable = True
        return raw
    if not text.strip():
        raw.empty = True
        raw.has_header = False
        return raw
    if fmt == "csv":
        _read_csv(raw, data, text, enc, problems)
    elif fmt == "jsonl":
        _read_jsonl(raw, text, problems)
    else:
        _read_json(raw, text, problems)
    return raw


# --- CSV -------------------------------------------------------------------------------------

def _read_csv(raw: RawFile, data: Optional[bytes], text: str, enc: str, problems: list) -> None:
    label = raw.label
    plain = '"' not in text and data is not None and codecs.lookup(enc).name in _ASCII_COMPATIBLE
    if plain:
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=enc, newline="")
        rdr = csv.reader(stream, strict=True)
    else:
        lines = io.StringIO(text, newline="").readlines()
        rdr = csv.reader(iter(lines), strict=True)
    header, header_line = _csv_header(rdr, label, problems)
    if header is None:
        raw.empty = True
        raw.has_header = False
        return
    raw.columns = [norm_column(c) for c in header]
    raw.header_line = header_line
    if plain:
        raw.reader = rdr                      # the hot path: csv.reader itself, no wrapper
        raw.stream = stream                   # ... or its lines, a chunk at a time (io.columns)
        return
    if _CSV_RECORD.match(lines[header_line - 1]) is None:
        problems.append(Problem(label, header_line, "", _quote_message(lines[header_line - 1])))
    raw.items = _csv_records_checked(lines, header_line, label, problems, raw.ends_with_newline)


def _csv_header(rdr, label: str, problems: list):
    """The first non-blank row is the header; returns (header, its line) or (None, 0)."""
    prev = 0
    while True:
        try:
            row = next(rdr)
        except StopIteration:
            return None, 0
        except csv.Error as e:
            problems.append(Problem(label, prev + 1, "", f"unreadable header line: {e}"))
            prev = rdr.line_num
            continue
        if row and any(c.strip() for c in row):
            return row, prev + 1
        prev = rdr.line_num


def csv_error_message(e: csv.Error) -> str:
    msg = str(e)
    if "unexpected end of data" in msg:
        return ('a quoted field is never closed (unterminated " quote); '
                "reading resumed on the next line")
    if "expected after" in msg:
        return 'stray quote: text follows the closing " of a quoted field'
    if "new-line character seen in unquoted field" in msg:
        return "a line break (CR) inside an unquoted field"
    return f"unreadable CSV record: {msg}"


def _quote_message(text: str) -> str:
    # Where, not what: the line may hold a phone or ID number, which must never be echoed.
    s = text.rstrip("\r\n")
    i = s.find('"')
    where = f" (first quote in field {s.count(',', 0, i) + 1}, character {i + 1})" if i >= 0 else ""
    return ('stray quote: a field must be either wholly quoted ("...") with inner quotes '
            f"doubled, or contain no quote at all{where}")



def rows_of_lines(lines: list, line0: int, rows: Optional[list], label: str, problems: list) -> "Rows":
    """The rows of a chunk of plain CSV lines (one record per line; the first is ``line0``)
    for the row driver; ``rows`` when csv.reader already parsed them, else parsed line by line
    with each unreadable line reported."""
    if rows is not None:
        items = ((line0 + k, r, True) for k, r in enumerate(rows))
    else:
        items = _parse_lines(lines, line0, label, problems)
    return Rows(items, line0 - 1)


def _each_row(rdr) -> Iterator[tuple]:
    """``(row, None)`` for each row ``rdr`` reads, ``(None, the csv.Error)`` for each it cannot."""
    while True:
        try:
            row = next(rdr)
        except StopIteration:
            return
        except csv.Error as e:
            yield None, e
            continue
        yield row, None


def _parse_lines(lines: list, line0: int, label: str, problems: list) -> Iterator[Record]:
    rdr = csv.reader(lines, strict=True)
    for row, error in _each_row(rdr):
        if error is not None:
            line = line0 + rdr.line_num - 1
            problems.append(Problem(label, line, "", csv_error_message(error)))
            yield line, [], False
            continue
        yield line0 + rdr.line_num - 1, row, True


class Rows:
    """Rows from ``(line, row, ok)`` items, shaped like ``csv.reader`` for the row driver:
    iterating gives rows; ``line_num`` is then the line before the next row's first line
    (so ``previous line_num + 1`` is the current row's line, as with csv.reader);
    ``rejected`` holds the lines of rows whose ``ok`` was False."""

    def __init__(self, items, before_first: int = 0):
        # line_num before the first row: the line before it (JSON: before its object)
        self._it = iter(items)
        self._next = next(self._it, None)
        self.line_num = self._next[0] - 1 if self._next is not None else before_first
        self.rejected: set = set()

    def __iter__(self):
        return self

    def __next__(self):
        cur = self._next
        if cur is None:
            raise StopIteration
        self._next = nxt = next(self._it, None)
        self.line_num = nxt[0] - 1 if nxt is not None else cur[0]
        if not cur[2]:
            self.rejected.add(cur[0])
        return cur[1]


def _csv_records_checked(lines: list, header_line: int, label: str, problems: list,
                         torn_ok: bool) -> Iterator[Record]:
    """Rows of a file that has quotes: every record holding a quote is checked against the
    CSV grammar (csv.reader silently accepts ``ab"c``), and after an unterminated quote the
    reading resumes on the next line instead of losing the rest of the file."""
    start = header_line            # 0-based index of the next line to read
    resyncs = 0
    while True:
        rdr = csv.reader(iter(lines[start:]), strict=True)
        base = start               # physical line number = base + rdr.line_num
        prev = 0
        restart = None
        for row, e in _each_row(rdr):
            if e is not None:
                line = base + prev + 1
                msg = csv_error_message(e)
                if line == len(lines) and not torn_ok:
                    msg = f"{TORN}: {msg}"
                problems.append(Problem(label, line, "", msg))
                yield line, [], False                   # counted as a record, refused
                if "unexpected end of data" in str(e) and line < len(lines):
                    restart = line            # resume right after the opening line
                    break
                prev = rdr.line_num
                continue
            line = base + prev + 1
            end = base + rdr.line_num
            prev = rdr.line_num
            if not row or (not row[0] and not any(c.strip() for c in row)):
                continue
            if '"' in lines[line - 1]:
                rec = "".join(lines[line - 1:end])
                if _CSV_RECORD.match(rec) is None:
                    problems.append(Problem(label, line, "", _quote_message(rec)))
                    yield line, row, False
                    continue
            yield line, row, True
        else:
            return
        resyncs += 1
        if resyncs > MAX_RESYNC:
            problems.append(Problem(label, restart + 1, "",
                                    f"gave up after {MAX_RESYNC} unterminated quotes; "
                                    "the rest of the file was not checked"))
            return
        start = restart


# --- JSON and JSON Lines ----------------------------------------------------------------------

def _valid_text(v: str) -> bool:
    """JSON escapes can spell lone surrogates ("\\ud800"), which no file or terminal can encode."""
    try:
        v.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _json_type(v) -> str:
    if isinstance(v, _Num):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


class _Columns:
    """Union of the keys of JSON objects, in first-seen order, normalised."""

    def __init__(self, label: str, problems: list):
        self.index: dict = {}
        self.names: list = []
        self.first_line: dict = {}
        self.label = label
        self.problems = problems

    def row(self, obj: dict, line: int) -> tuple:
        ok = True
        if not obj:
            self.problems.append(Problem(self.label, line, "", "empty object {}: no fields"))
            return {}, False
        if isinstance(obj, _Dup):
            for k in obj.dups:
                self.problems.append(Problem(self.label, line, norm_column(k),
                                             "the key appears twice in this object"))
            ok = False
        vals: dict = {}
        for k, v in obj.items():
            name = norm_column(k)
            if name in vals:
                self.problems.append(Problem(self.label, line, name,
                                             "the key appears twice in this object (differing in case or spaces)"))
                ok = False
                continue
            if v is None:
                v = ""
            elif type(v) is _Num:
                v = str(v)                      # the literal text of the number, as plain str
            elif not isinstance(v, str):
                self.problems.append(Problem(self.label, line, name,
                                             f"expected text or a number, got {_json_type(v)}"))
                ok = False
                v = ""
            elif not v.isascii() and not _valid_text(v):
                self.problems.append(Problem(self.label, line, name,
                                             "not valid text (a lone surrogate \\uD800-\\uDFFF escape)"))
                ok = False
                v = ""
            vals[name] = v
            if name not in self.index:
                self.index[name] = len(self.names)
                self.names.append(name)
                self.first_line[name] = line
        return vals, ok


def _finish_json(raw: RawFile, cols: _Columns, items: list) -> None:
    names = cols.names
    raw.columns = names
    raw.column_lines = cols.first_line

    def gen():
        for line, vals, ok in items:
            yield line, [vals.get(n, "") for n in names], ok
    raw.items = gen()
    raw.header_line = 0


def _json_error(raw: RawFile, text: str, e: json.JSONDecodeError, problems: list, what: str) -> None:
    at_end = "\n" not in text[e.pos:].rstrip()
    msg = f"{what}: {e.msg} (column {e.colno})"
    if at_end and not raw.ends_with_newline:
        msg = f"{TORN}: {msg}"
    problems.append(Problem(raw.label, e.lineno, "", msg))


def _read_jsonl(raw: RawFile, text: str, problems: list) -> None:
    label = raw.label
    cols = _Columns(label, problems)
    items = []
    decode = _JSON.decode
    lines = text.split("\n")
    last = len(lines)
    while last > 0 and not lines[last - 1].strip():
        last -= 1
    for n in range(last):
        s = lines[n].strip()
        if not s:
            continue
        try:
            obj = decode(s)
        except json.JSONDecodeError as e:
            msg = f"not valid JSON: {e.msg} (column {e.colno})"
            if n == last - 1 and not raw.ends_with_newline:
                msg = f"{TORN}: {msg}"
            problems.append(Problem(label, n + 1, "", msg))
            items.append((n + 1, {}, False))
            continue
        except RecursionError:
            problems.append(Problem(label, n + 1, "", "not valid JSON: nested too deeply"))
            items.append((n + 1, {}, False))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(label, n + 1, "",
                                    f"each line must be a JSON object {{...}}, got {_json_type(obj)}"))
            items.append((n + 1, {}, False))
            continue
        vals, ok = cols.row(obj, n + 1)
        items.append((n + 1, vals, ok))
    _finish_json(raw, cols, items)


def _read_json(raw: RawFile, text: str, problems: list) -> None:
    label = raw.label
    cols = _Columns(label, problems)
    items: list = []
    ws = _JSON_WS.match
    n = len(text)
    i = ws(text, 0).end()
    if text[i] != "[":
        try:
            obj = _JSON.decode(text)
            what = _json_type(obj)
            problems.append(Problem(label, 1, "", f"expected a JSON array of objects [{{...}}, ...], "
                                                  f"got {what}"))
        except json.JSONDecodeError as e:
            _json_error(raw, text, e, problems, "not valid JSON")
        except RecursionError:
            problems.append(Problem(label, 1, "", "not valid JSON: nested too deeply"))
        raw.unreadable = True
        _finish_json(raw, cols, items)
        return
    i = ws(text, i + 1).end()
    line, last = 1, 0
    closed = False
    if i < n and text[i] == "]":
        i += 1
        closed = True
    while not closed:
        line += text.count("\n", last, i)
        last = i
        try:
            obj, end = _JSON.raw_decode(text, i)
        except json.JSONDecodeError as e:
            _json_error(raw, text, e, problems, "not valid JSON")
            break
        except RecursionError:
            problems.append(Problem(label, line, "", "not valid JSON: nested too deeply"))
            break
        if isinstance(obj, dict):
            vals, ok = cols.row(obj, line)
            items.append((line, vals, ok))
        else:
            what = _json_type(obj)
            problems.append(Problem(label, line, "", f"array element is not an object: got {what}"))
            items.append((line, {}, False))
        i = ws(text, end).end()
        if i < n and text[i] == ",":
            i = ws(text, i + 1).end()
            continue
        if i < n and text[i] == "]":
            i += 1
            closed = True
            break
        if i >= n:
            msg = "the array is never closed with ']'"
            if not raw.ends_with_newline:
                msg = f"{TORN}: {msg}"
        else:
            msg = f"expected ',' or ']' after an array element, found {text[i]!r}"
        problems.append(Problem(label, text.count("\n", 0, i) + 1, "", msg))
        break
    if closed and ws(text, i).end() < n:
        problems.append(Problem(label, text.count("\n", 0, i) + 1, "", "extra data after the JSON array"))
    _finish_json(raw, cols, items)


def lookup_encoding(name: str) -> Optional[str]:
    """The codec's canonical name, or None if Python does not know it."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
