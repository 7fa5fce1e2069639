"""The one output module. Reports are plain data; this renders them.

- ``json``: one object on stdout (contract shapes in SPEC 5), money already as strings, through
  the one encoder (``dumps``: exactly ``json.dumps(..., ensure_ascii=False, indent=2)``, faster),
  or streamed from pre-rendered items (``write_document``) for a batch.
- ``csv``: Excel-safe (formula-like text neutralised), never thousands separators.
- ``table``: rich tables on a terminal (colour only on a TTY), plain text tables when piped
  (drawn here, every line the same width). Widths are terminal cells (``display_width``,
  wcwidth: CJK counts 2). A table fits the width (``fit``; the terminal's, or ``COLUMNS``):
  numbers, ids and dates are never cut; the one ``wrap`` column folds, then the ``drop``
  columns are left out, least important first, and a line under the table names them.

rich and wcwidth are imported only inside the functions that draw tables, so that
``baitiao --help`` and JSON/CSV runs never pay for them. Streams and terminal flags come from
an ``environment.Environment`` (default: ``environment.current()``, the process's own).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional, Sequence, TextIO

from .environment import Environment, current

FORMATS = ("table", "json", "csv")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """A titled table: headers and rows of already formatted cells (str/int)."""

    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    title: str = ""
    align_right: frozenset = field(default_factory=frozenset)   # header names to right-align
    footer: str = ""                                            # a plain line printed after the table
    lead: Sequence[str] = ()                                    # headline lines printed first (bold on a TTY)
    drop: Sequence[str] = ()        # headers that may be left out to fit a width, least important first
    wrap: str = ""                  # the one header whose text (reasons) may fold onto several lines


_NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _is_number_text(s: str) -> bool:
    """A plain decimal as this tool writes numbers ("-12.50", "3"). Not "+1", "-1e5" or "1_000":
    Excel would turn those into other numbers (a "+86..." phone into 8.6E+12), so they stay text."""
    return _NUMBER_TEXT.fullmatch(s) is not None


def excel_safe(value: Any) -> Any:
    """Neutralise text that Excel would run as a formula (SPEC 6).

    A text cell starting with ``= + - @``, a tab or a carriage return gets a leading
    apostrophe. Numbers written as text ("-12.50") are left alone: they are data, not formulas.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_START) and not _is_number_text(value):
        return "'" + value
    return value


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False) -> str:
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    term = "\r\n" if bom else "\n"
    w = csv.writer(buf, lineterminator=term)
    # csv quotes only the characters of its own line terminator: with "\n" a bare CR inside a cell
    # would go out unquoted and Excel would break the row there. Such rows go through a writer
    # whose terminator holds both characters, then get the usual terminator back.
    cr_buf = io.StringIO()
    cr_w = csv.writer(cr_buf, lineterminator="\r\n")

    def put(cells: list) -> None:
        if term == "\n" and any("\r" in c for c in cells if isinstance(c, str)):
            cr_buf.seek(0)
            cr_buf.truncate()
            cr_w.writerow(cells)
            buf.write(cr_buf.getvalue()[:-2] + term)
        else:
            w.writerow(cells)

    put([excel_safe(h) for h in headers])
    for r in rows:
        put(["" if c is None else excel_safe(c if isinstance(c, str) else str(c)) for c in r])
    return buf.getvalue()


# --- JSON ------------------------------------------------------------------------------------------

try:  # the C string encoder json itself uses with ensure_ascii=False
    from json.encoder import c_encode_basestring as _encode_str  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring as _encode_str  # type: ignore[attr-defined]
if _encode_str is None:  # pragma: no cover
    from json.encoder import py_encode_basestring as _encode_str  # type: ignore[attr-defined]

_int_repr = int.__repr__


class _Unsupported(Exception):
    pass


def _encode(o: Any, indent: str) -> str:
    kind = type(o)
    if kind is str:
        return _encode_str(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if kind is int:
        return _int_repr(o)
    if kind is dict:
        if not o:
            return "{}"
        inner = indent + "  "
        members = []
        for k, v in o.items():
            if type(k) is not str:
                raise _Unsupported
            members.append(_encode_str(k) + ": " + _encode(v, inner))
        return "{" + inner + ("," + inner).join(members) + indent + "}"
    if kind is list or kind is tuple:
        if not o:
            return "[]"
        inner = indent + "  "
        return "[" + inner + ("," + inner).join([_encode(v, inner) for v in o]) + indent + "]"
    raise _Unsupported


def dumps(obj: Any) -> str:
    """Exactly ``json.dumps(obj, ensure_ascii=False, indent=2)``, about twice as fast.

    Handles dict (str keys), list, tuple, str, int, bool and None -- what reports are made of
    (money and rates are strings); anything else goes to ``json.dumps`` itself.
    """
    try:
        return _encode(obj, "\n")
    except (_Unsupported, RecursionError):
        return json.dumps(obj, ensure_ascii=False, indent=2)


def json_text(obj: Any) -> str:
    """One JSON document: ``dumps(obj)`` and a line feed."""
    return dumps(obj) + "\n"


def nest(text: str, levels: int) -> str:
    """A value dumped at the top level, re-indented to sit ``levels`` deep in an indent-2 document.

    JSON text never holds a raw line feed inside a string (it is escaped), so every line
    feed is a layout line break.
    """
    return text.replace("\n", "\n" + "  " * levels)


def write_document(stream: TextIO, head: Sequence[tuple[str, Any]], list_key: str,
                   items: Iterable[str]) -> None:
    """Write ``json.dumps({**head, list_key: [...]}, ensure_ascii=False, indent=2) + "\\n"``.

    ``items`` are the list's elements already dumped at the top level (``dumps``); they are
    written one by one, never joined into one string.
    """
    w = stream.write
    w("{")
    for k, v in head:
        w("\n  " + _encode_str(k) + ": " + nest(dumps(v), 1) + ",")
    w("\n  " + _encode_str(list_key) + ": [")
    first = True
    for text in items:
        w(("\n    " if first else ",\n    ") + nest(text, 2))
        first = False
    w("]" if first else "\n  ]")
    w("\n}\n")


# C0 controls but tab and newline, DEL and the C1 controls (0x9b is a CSI on some terminals):
# text from the data (a name, a merchant, a folder) never reaches a terminal as an escape sequence.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: Any) -> str:
    """``value`` as table text: control characters shown as ``\\xNN``, never sent raw."""
    s = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s) if _CONTROL.search(s) else s


def display_width(s: str) -> int:
    """Terminal cells ``s`` takes: a wide (CJK) character counts 2, a combining mark 0."""
    if s.isascii():
        return len(s)
    from wcwidth import wcswidth

    w = wcswidth(s)
    return w if w >= 0 else sum(max(_char_width(ch), 0) for ch in s)


def _char_width(ch: str) -> int:
    from wcwidth import wcwidth

    return wcwidth(ch)


def wrap_text(s: str, width: int) -> list[str]:
    """``s`` folded into lines of at most ``width`` cells: at spaces, a word longer than a line
    (or text without spaces, like Chinese) cut between characters. Never loses a character."""
    if display_width(s) <= width:
        return [s]
    lines: list[str] = []
    cur = ""
    for word in s.split(" "):
        cand = word if not cur else cur + " " + word
        if display_width(cand) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        cur = ""
        for ch in word:
            if display_width(cur + ch) > width and cur:
                lines.append(cur)
                cur = ""
            cur += ch
    lines.append(cur)
    return lines


MIN_WRAP = 24   # the wrapped column (reasons) never gets narrower than this, nor than its longest word


@dataclass(frozen=True)
class Fit:
    """How a table fits a width: the columns kept (positions), the width of the wrapped column
    (None: nothing wraps), the headers left out, and the width the table then needs."""

    keep: tuple
    wrap_width: Optional[int]
    dropped: tuple
    needed: int


def fit(t: Table, width: Optional[int], per_col: int, fixed: int) -> Fit:
    """Which columns of ``t`` fit in ``width`` cells: numbers, ids and dates are never cut; the
    one ``wrap`` column is folded down to ``MIN_WRAP`` first, then the ``drop`` columns are left
    out, least important first. ``per_col``/``fixed``: the cells a column/the table adds around
    its text (separators, padding, borders). A table that cannot fit even so is drawn wider."""
    headers = [printable(h) for h in t.headers]
    cells = [[printable(c) for c in r] for r in t.rows]
    natural = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    wrap_i = headers.index(t.wrap) if t.wrap in headers else None
    floor = 0 if wrap_i is None else min(natural[wrap_i], max(
        [MIN_WRAP, display_width(headers[wrap_i])]
        + [display_width(w) for r in cells for w in r[wrap_i].split(" ") if display_width(w) <= MIN_WRAP * 2]))
    keep = list(range(len(headers)))
    dropped: list = []
    droppable = [headers.index(h) for h in t.drop if h in headers]

    def needed(cols: list, wrap_w: Optional[int]) -> int:
        return sum(wrap_w if (i == wrap_i and wrap_w is not None) else natural[i] for i in cols) \
            + per_col * len(cols) + fixed

    while True:
        full = needed(keep, None)
        if width is None or full <= width:
            return Fit(tuple(keep), None, tuple(dropped), full)
        if wrap_i is not None and wrap_i in keep:
            spare = width - (full - natural[wrap_i])
            if spare >= floor:
                return Fit(tuple(keep), spare, tuple(dropped), width)
        if not droppable:
            wrap_w = floor if wrap_i is not None and wrap_i in keep else None
            return Fit(tuple(keep), wrap_w, tuple(dropped), needed(keep, wrap_w))
        i = droppable.pop(0)
        keep.remove(i)
        dropped.append(headers[i])


def left_out_note(f: Fit, width: Optional[int]) -> str:
    return f"(left out to fit {width} columns: {', '.join(f.dropped)}; --format csv shows all)"


def _pad(s: str, w: int, right: bool) -> str:
    gap = " " * (w - display_width(s))
    return gap + s if right else s + gap


def _plain_table(t: Table, width: Optional[int] = None) -> str:
    """A plain text table (piped, redirected, ``TERM=dumb``): a header, a rule of dashes, the rows;
    every line of the table exactly the same width in terminal cells (wide CJK counts 2)."""
    f = fit(t, width, 2, -2)
    headers = [printable(h) for h in t.headers]
    right = [h in t.align_right for h in t.headers]
    widths = {i: max([display_width(headers[i])] + [display_width(printable(r[i])) for r in t.rows])
              for i in f.keep}
    wrap_i = headers.index(t.wrap) if t.wrap in headers else None
    if f.wrap_width is not None:
        widths[wrap_i] = f.wrap_width

    def line(cells: dict) -> str:
        return "  ".join(_pad(cells.get(i, ""), widths[i], right[i]) for i in f.keep)

    body = [line({i: headers[i] for i in f.keep}), "  ".join("-" * widths[i] for i in f.keep)]
    for r in t.rows:
        cells = {i: printable(r[i]) for i in f.keep}
        extra: list = []
        if f.wrap_width is not None and wrap_i in cells:
            first, *extra = wrap_text(cells[wrap_i], f.wrap_width)
            cells[wrap_i] = first
        body.append(line(cells))
        body += [line({wrap_i: more}) for more in extra]
    out = "".join(printable(ln) + "\n" for ln in t.lead)
    out += (printable(t.title) + "\n" if t.title else "") + "".join(ln + "\n" for ln in body)
    if f.dropped:
        out += left_out_note(f, width) + "\n"
    if t.footer:
        out += printable(t.footer) + "\n"
    return out


# --- colour with meaning (on a terminal, or --color always; never in JSON or CSV) ----------------------
# By header (the English and the Chinese label): days past due and buckets from yellow to red, frozen
# lines, statuses (refused red, recorded/raised green). One table of rules, here.
_DPD_HEADERS = frozenset({"DPD", "dpd", "逾期天数"})
_BUCKET_HEADERS = frozenset({"bucket", "bucket (DPD)", "逾期阶段", "账龄"})
_FROZEN_HEADERS = frozenset({"frozen", "冻结"})
_WORD_HEADERS = frozenset({"status", "action", "severity", "状态", "动作", "催收动作"})
_WORD_STYLES = {"recorded": "green", "raise": "green", "unfreeze": "green", "ok": "green",
                "duplicate": "yellow", "warning": "yellow", "hold": "",
                "cut": "red", "freeze": "red", "refused": "bold red", "error": "red", "legal": "red",
                "write_off_review": "bold red"}
_LEAD_STYLES = (("REFUSED", "bold red"), ("Recorded", "bold green"), ("Dry run", "bold yellow"),
                ("Already recorded", "bold yellow"))
_BUCKET_NUMBER = re.compile(r"M([0-9]+)(\+?)")


def dpd_style(dpd: int) -> str:
    """Days past due from yellow (1-30) to bold red (over 180); "" when current."""
    if dpd <= 0:
        return ""
    for limit, style in ((30, "yellow"), (60, "dark_orange"), (90, "orange_red1"), (180, "red")):
        if dpd <= limit:
            return style
    return "bold red"


def cell_style(header: str, value: Any) -> str:
    """The rich style of a table cell by what its column means ("" for none)."""
    text = str(value).strip()
    if header in _DPD_HEADERS:
        return dpd_style(int(text)) if text.isdigit() else ""
    if header in _BUCKET_HEADERS:
        m = _BUCKET_NUMBER.match(text)
        if m is None:
            return ""
        return "bold red" if m.group(2) else dpd_style(int(m.group(1)) * 30)
    if header in _WORD_HEADERS:
        return _WORD_STYLES.get(text, "")
    return ""


def row_style(headers: Sequence[str], row: Sequence[Any]) -> str:
    """A frozen credit line's row is shown in cyan."""
    return "cyan" if any(h in _FROZEN_HEADERS and str(c) in ("yes", "是") for h, c in zip(headers, row)) else ""


def lead_style(line: str) -> str:
    return next((style for word, style in _LEAD_STYLES if line.startswith(word)), "bold")


def _terminal_size(stream: TextIO) -> tuple[Optional[int], Optional[int]]:
    """(columns, lines) of the terminal ``stream`` writes to (``LINES`` wins for the height); None unknown."""
    import os

    try:
        cols, lines = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        cols, lines = None, None
    env_lines = os.environ.get("LINES", "")
    return cols, int(env_lines) if env_lines.isdigit() and int(env_lines) > 0 else lines


def _rich_tables(tables: Sequence[Table], stream: TextIO, width: Optional[int] = None, *,
                 colour: bool = True, terminal: bool = True) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    # Every piece of text goes in as rich Text, never as a markup string: a customer named
    # "[/b]" would crash the render (MarkupError), and "[link=...]" would turn into a link.
    settings = {"force_terminal": terminal or colour} if colour else {"color_system": None}
    console = Console(file=stream, width=width, **settings)
    width = console.width
    for t in tables:
        for line in t.lead:
            console.print(Text(printable(line)), style=lead_style(line), highlight=False)
        if t.title:   # above the table, not its title: a title is folded to the table's width
            console.print(Text(printable(t.title), style="italic"), highlight=False)
        f = fit(t, width, 3, 1)      # a column: a border and a space each side; the last border
        rt = RichTable(header_style="bold")
        for i in f.keep:
            h = t.headers[i]
            wraps = h == t.wrap and f.wrap_width is not None
            rt.add_column(Text(printable(h)), justify="right" if h in t.align_right else "left",
                          no_wrap=not wraps, overflow="fold",
                          max_width=f.wrap_width if wraps else None)
        for r in t.rows:
            rt.add_row(*[Text(printable(r[i]), style=cell_style(t.headers[i], r[i]) if colour else "")
                         for i in f.keep], style=row_style(t.headers, r) if colour else None)
        Console(file=stream, width=max(width, f.needed), color_system=console.color_system,
                force_terminal=console.is_terminal).print(rt)
        if f.dropped:
            console.print(Text(left_out_note(f, width)), highlight=False)
        if t.footer:
            console.print(Text(printable(t.footer)), highlight=False)


def top_rows(tables: Sequence[Table], n: Optional[int]) -> list:
    """``--top N``: the first table (the listing) cut to its first ``n`` rows, and a line saying how many
    more there are; the other tables (summaries) whole. JSON and CSV are never cut."""
    if n is None or not tables or len(tables[0].rows) <= n:
        return list(tables)
    t = tables[0]
    note = f"({len(t.rows) - n} more not shown: --top {n}; --format csv lists every row)"
    return [replace(t, rows=list(t.rows[:n]), footer=note + ("\n" + t.footer if t.footer else ""))] + list(tables[1:])


def page(text: str, stream: TextIO, env: Environment) -> bool:
    """Show ``text`` through the pager when it is taller than the terminal ``stream`` (as git does:
    ``$BAITIAO_PAGER``, ``$PAGER`` or ``less``, with ``LESS=FRX`` unless set). False: not paged,
    the caller writes it."""
    import os

    cmd = env.pager_command()
    height = _terminal_size(stream)[1]
    if cmd is None or height is None or text.count("\n") < height:
        return False
    import subprocess

    penv = dict(os.environ)
    penv.setdefault("LESS", "FRX")
    penv.setdefault("LV", "-c")
    stream.flush()
    try:
        proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE, env=penv)
    except OSError:
        return False
    try:
        assert proc.stdin is not None
        proc.stdin.write(text.encode(getattr(stream, "encoding", None) or "utf-8", "replace"))
        proc.stdin.close()
    except BrokenPipeError:     # the reader quit (q) before the end
        pass
    while True:
        try:
            proc.wait()
            break
        except KeyboardInterrupt:   # Ctrl-C belongs to the pager, as with git
            continue
    return proc.returncode != 127   # the shell did not find the pager: write it ourselves


def _table_text(tables: Sequence[Table], stream: TextIO, tty: bool, env: Environment) -> None:
    """Tables for people: rich on a terminal (or with --color always), coloured by meaning unless
    colour is off; through the pager when taller than the terminal; plain text otherwise."""
    shown = top_rows(tables, env.display.top)
    colour = env.colour(tty)
    if not (tty or colour):
        stream.write("\n".join(_plain_table(t, env.width) for t in shown))
        return
    if not tty:
        _rich_tables(shown, stream, env.width, colour=True, terminal=False)
        return
    buf = io.StringIO()
    _rich_tables(shown, buf, env.width or _terminal_size(stream)[0], colour=colour)
    text = buf.getvalue()
    if not page(text, stream, env):
        stream.write(text)


def emit(fmt: str, *, json_obj: Any, tables: Sequence[Table] = (), csv_table: Optional[Table] = None,
         stream: Optional[TextIO] = None, env: Optional[Environment] = None) -> None:
    """Write a report to stdout (of ``env``; or ``stream``) in the chosen format.

    ``csv_table`` is the one table a script gets with ``--format csv`` (default: the first table).
    """
    env = env or current()
    quiet_down()
    if stream is None:
        stream, tty = env.stdout, env.stdout_isatty
    else:
        tty = stream.isatty()
    if fmt == "json":
        stream.write(json_text(json_obj))
    elif fmt == "csv":
        t = csv_table or (tables[0] if tables else None)
        if t is not None:
            stream.write(csv_text(t.headers, t.rows))
    else:
        _table_text(tables, stream, tty, env)
    stream.flush()


def emit_document(head: Sequence[tuple[str, Any]], list_key: str, items: Iterable[str],
                  env: Optional[Environment] = None) -> None:
    """``write_document`` on stdout (a batch's JSON, streamed item by item), then flush."""
    stream = (env or current()).stdout
    quiet_down()
    write_document(stream, head, list_key, items)
    stream.flush()


def tag(word: str, env: Optional[Environment] = None) -> str:
    """``word`` ("error", "warning") as a line of stderr starts it: red/yellow when stderr gets colour."""
    env = env or current()
    if not env.colour(env.stderr_isatty):
        return word
    return ("\x1b[31m" if word == "error" else "\x1b[33m") + word + "\x1b[0m"


def warn(message: str, env: Optional[Environment] = None) -> None:
    """A warning line on stderr (plain words; never data on stdout)."""
    _say(f"{tag('warning', env)}: {message}\n", env)


def error(message: str, env: Optional[Environment] = None) -> None:
    _say(f"{tag('error', env)}: {message}\n", env)


def _say(line: str, env: Optional[Environment]) -> None:
    if _ACTIVE is not None and env is None:
        _ACTIVE.print(line.rstrip("\n"))      # above the progress display, which stays whole
    else:
        (env or current()).stderr.write(line)


# --- progress on stderr (a terminal only) ---------------------------------------------------------------
# One live display per run (``activity``): a spinner with the elapsed time while the input loads and the
# run computes, a bar with counts for the per-account work (``progress``/``services.progress.each``).
# Warnings printed meanwhile go above it. Never when stderr is not a terminal (cron), never for JSON or
# CSV written to a pipe.

_ACTIVE: Optional["_Activity"] = None
_SILENT = False     # a run writing JSON/CSV to a pipe: no progress at all


class _Activity:
    def __init__(self, prog: Any, waiting: Any):
        self.prog, self.waiting = prog, waiting

    def bar(self, total: int, label: str = "accounts") -> "_Bar":
        return _Bar(self, label)

    def print(self, line: str) -> None:
        from rich.text import Text

        self.prog.console.print(Text.from_ansi(line), highlight=False, soft_wrap=True)


class _Bar:
    """rich's Progress API (start/add_task/advance/stop) on the run's one live display."""

    def __init__(self, act: _Activity, label: str):
        self.act, self.label, self.task = act, label, None

    def start(self) -> None:
        pass

    def add_task(self, description: str, total: Optional[int] = None) -> Any:
        self.act.prog.update(self.act.waiting, visible=False)
        self.task = self.act.prog.add_task(description or self.label, total=total)
        return self.task

    def advance(self, task: Any, advance: int = 1) -> None:
        self.act.prog.advance(task, advance)

    def stop(self) -> None:
        if self.task is not None:
            self.act.prog.update(self.task, visible=False)
        self.act.prog.update(self.act.waiting, visible=True, description="finishing")


class activity:
    """A run's progress on stderr while it works (``with activity(machine_to_pipe): ...``); nothing
    unless stderr is a terminal, and nothing when ``quiet`` (JSON/CSV to a pipe)."""

    def __init__(self, quiet: bool = False, env: Optional[Environment] = None):
        self.env = env or current()
        self.quiet = quiet
        self.silenced = False
        self.act: Optional[_Activity] = None

    def __enter__(self) -> Optional[_Activity]:
        global _ACTIVE, _SILENT
        if self.quiet and _ACTIVE is None:
            _SILENT = self.silenced = True      # not even the bar a service asks for (``progress``)
        if self.quiet or _ACTIVE is not None or not self.env.stderr_isatty:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from .services import progress as service_progress

        console = Console(file=self.env.stderr, **({} if self.env.colour(True) else {"color_system": None}))
        prog = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True, redirect_stdout=False,
                        redirect_stderr=False)
        self.act = _ACTIVE = _Activity(prog, prog.add_task("loading and checking the input", total=None))
        service_progress.register(self.act.bar)
        prog.start()
        return self.act

    def __exit__(self, *exc: Any) -> None:
        global _ACTIVE, _SILENT
        if self.silenced:
            _SILENT = self.silenced = False
        if self.act is not None:
            from .services import progress as service_progress

            service_progress.register(None)
            _ACTIVE = None
            self.act.prog.stop()
            self.act = None


def quiet_down() -> None:
    """End the live display before the output goes out (the table would mix with it on the screen)."""
    if _ACTIVE is not None:
        _ACTIVE.prog.stop()


def progress(total: int, label: str, env: Optional[Environment] = None):
    """A progress bar on stderr when stderr is a terminal (the run's own when an ``activity`` runs);
    otherwise None (cron: silent)."""
    env = env or current()
    if total < 2 or not env.stderr_isatty or _SILENT:
        return None
    if _ACTIVE is not None:
        return _ACTIVE.bar(total, label)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(file=env.stderr), transient=True)


_EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")


def bar(value: Any, maximum: Any, width: int = 24) -> str:
    """A fixed-width horizontal bar of unicode blocks, ``value`` scaled against ``maximum``.

    Exact integer/Decimal arithmetic (no float) in eighths of a cell; any value above zero
    shows at least a sliver. Always exactly ``width`` characters (padded with spaces), no colour.
    """
    if width <= 0:
        return ""
    if not maximum or maximum <= 0 or not value or value <= 0:
        return " " * width
    eighths = int(min(value, maximum) * width * 8 // maximum) or 1
    full, part = divmod(eighths, 8)
    return ("█" * full + _EIGHTHS[part]).ljust(width)
