"""Crash safety (issue 8 point 3; SPEC 6): kill ``repay``, ``defer`` and ``bill --out`` midway.

The real CLI runs in a subprocess (``from baitiao_cli.cli.app import main``). Nothing in the
product has a test hook; two ways of interrupting it instead:

- **at a random moment**: a generated book big enough that a run takes most of a second, and a
  signal sent after several delays (fractions of the measured run time, from early in the
  loading to after the append). Whatever the moment, the journal is either unchanged or has
  exactly one new whole record, never part of one; the other files are untouched; the data
  still validates; re-running the same command completes (``recorded`` when the first run
  had not appended, ``duplicate`` when it had) and the record is there exactly once.
- **at an exact point of the append**: the child process wraps ``os.open``/``os.write``/
  ``os.fsync`` *in the test's own start-up code* and kills itself just before the journal is
  opened, between the write and its fsync, after the fsync, or halfway through the write (a
  torn line, as a power cut could leave). The torn line is reported by ``validate`` with its
  line number, every posting refuses until it is repaired as docs/posting.md says, and then
  the same command records the payment once.

``bill --out`` under SIGKILL and SIGTERM: no statement file is ever partial (every final
name holds exactly what a clean run writes), leftovers are only ``.NAME.*.tmp`` files (never
a name a statement could have) and a re-run completes, removes them and writes what a clean
run writes. Under SIGTERM nothing is left at all: the CLI turns SIGTERM into an exception so
that the temporary file being written is removed (``cli.app.main``), then dies by the signal.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trust_helpers import invoke, tree, write_book

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

CUSTOMER = "CX,测试,13812340000,110004199001010000,2026-10-01,3,9000.00,\n"
PURCHASE = "TX1,CX,2026-10-10,purchase,500.00,1,,,shop,online\n"     # billed 2026-11-03, due 11-12
REPAY = ["repay", "--customer", "CX", "--amount", "100.00", "--date", "2026-11-05", "--ref", "KILL-R",
         "--as-of", "2026-11-05", "--channel", "bank"]
DEFER = ["defer", "--customer", "CX", "--statement-date", "2026-11-03", "--days", "5", "--date", "2026-11-05",
         "--ref", "KILL-D", "--as-of", "2026-11-05"]
REVERSE = ["reverse", "--target", "R1", "--date", "2026-11-05", "--ref", "KILL-V", "--reason", "bounced",
           "--as-of", "2026-11-05"]
RECORD = {"repay": "KILL-R,CX,2026-11-05,100.00,normal,bank\n", "defer": "KILL-D,CX,2026-11-03,2026-11-05,5\n",
          "reverse": "KILL-V,R1,2026-11-05,bounced\n"}
JOURNAL = {"repay": "repayments.csv", "defer": "deferrals.csv", "reverse": "reversals.csv"}
ARGS = {"repay": REPAY, "defer": DEFER, "reverse": REVERSE}
BILL_DAY = "2026-11-03"

RUN = "from baitiao_cli.cli.app import main; import sys; sys.argv = ['baitiao', *sys.argv[1:]]; main()"

# Kills the child at an exact point of the journal append; the wrapping is the test's, not the product's.
AT_POINT = r"""
import os, signal, sys
journal, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
real_open, real_write, real_fsync = os.open, os.write, os.fsync
fds = set()
synced = []

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def wrapped_open(path, flags, *a, **k):
    if str(path).endswith(journal) and flags & os.O_APPEND:
        if mode == "before-open":
            die()
        fd = real_open(path, flags, *a, **k)
        fds.add(fd)
        return fd
    return real_open(path, flags, *a, **k)

def wrapped_write(fd, data):
    if fd in fds and mode == "torn":
        real_write(fd, data[: len(data) // 2])
        die()
    return real_write(fd, data)

def wrapped_fsync(fd):
    if fd in fds and mode == "before-fsync":
        die()
    if synced and mode == "after-fsync":
        die()                                  # the folder's fsync, right after the journal's
    real_fsync(fd)
    if fd in fds:
        synced.append(fd)

os.open, os.write, os.fsync = wrapped_open, wrapped_write, wrapped_fsync
from baitiao_cli.cli.app import main
sys.argv = ["baitiao", *args]
main()
"""


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("BAITIAO_CONFIG", "BAITIAO_DEBUG")}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def spawn(args: list[str], cwd: Path, code: str = RUN, pre: tuple = ()) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *pre, *args], cwd=cwd, env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_to_end(args: list[str], cwd: Path, code: str = RUN, pre: tuple = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *pre, *args], cwd=cwd, env=child_env(), capture_output=True,
                          timeout=120)


def add_cx(d: Path) -> None:
    with open(d / "customers.csv", "a", encoding="utf-8") as f:
        f.write(CUSTOMER)
    with open(d / "transactions.csv", "a", encoding="utf-8") as f:
        f.write(PURCHASE)
    if not (d / "reversals.csv").exists():
        (d / "reversals.csv").write_text("reversal_id,target_id,date,reason\n", encoding="utf-8")


@pytest.fixture(scope="module")
def big_book(tmp_path_factory) -> Path:
    """3000 generated customers (a run loads ~65k records: most of a second) plus customer CX."""
    d = tmp_path_factory.mktemp("big") / "data"
    generate(d, customers=3000, seed=11)
    add_cx(d)
    return d


@pytest.fixture(scope="module")
def run_time(big_book, tmp_path_factory) -> dict:
    """How long each command takes to the end on this machine (on a copy of the book)."""
    out = {}
    for name in ("repay", "defer"):
        d = shutil.copytree(big_book, tmp_path_factory.mktemp("timing") / "data")
        t = time.monotonic()
        p = run_to_end([*ARGS[name], "--data-dir", str(d)], d.parent)
        out[name] = time.monotonic() - t
        assert p.returncode == 0, p.stderr.decode()
    d = tmp_path_factory.mktemp("timing-bill")
    t = time.monotonic()
    p = run_to_end(["bill", "--data-dir", str(big_book), "--as-of", BILL_DAY, "--out", str(d / "out"),
                    "--format", "csv"], d)
    out["bill"] = time.monotonic() - t
    assert p.returncode == 0, p.stderr.decode()
    out["bill_files"] = {k: v for k, v in tree(d / "out").items()}
    out["bill_bytes"] = {str(q.relative_to(d / "out")): q.read_bytes() for q in (d / "out").rglob("*") if q.is_file()}
    return out


def others(d: Path, journal: str) -> dict:
    return {k: v for k, v in tree(d).items() if k != journal}


def check_journal_after_kill(before: bytes, after: bytes, record: str) -> bool:
    """The journal is unchanged or has exactly the one new whole record. True if it was appended."""
    assert after.startswith(before), "the journal was rewritten"
    tail = after[len(before):]
    assert tail in (b"", record.encode()), f"not a whole record: {tail!r}"
    return tail != b""


def rerun_completes(name: str, d: Path, appended: bool) -> None:
    r = invoke([*ARGS[name], "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    status = json.loads(r.stdout)["status"]
    assert status == ("duplicate" if appended else "recorded")
    text = (d / JOURNAL[name]).read_text(encoding="utf-8")
    assert text.count(RECORD[name]) == 1 and text.endswith("\n")


def validates(d: Path) -> None:
    r = invoke(["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["errors"] == 0


# --- repay and defer killed at a random moment ------------------------------------------------------

@pytest.mark.parametrize("name, fractions", [("repay", (0.1, 0.4, 0.7, 0.9, 1.0, 1.15)),
                                             ("defer", (0.3, 0.8, 0.95, 1.1))])
def test_posting_killed_at_any_moment_leaves_the_journal_whole(tmp_path, big_book, run_time, name, fractions):
    outcomes = []
    for k, f in enumerate(fractions):
        d = shutil.copytree(big_book, tmp_path / f"run{k}" / "data")
        journal = d / JOURNAL[name]
        before, rest = journal.read_bytes(), others(d, JOURNAL[name])
        p = spawn([*ARGS[name], "--data-dir", str(d)], d.parent)
        time.sleep(run_time[name] * f)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
        appended = check_journal_after_kill(before, journal.read_bytes(), RECORD[name])
        assert others(d, JOURNAL[name]) == rest
        validates(d)
        rerun_completes(name, d, appended)
        outcomes.append(appended)
        shutil.rmtree(d.parent)
    # whichever way each kill fell, every run ended with the record exactly once
    assert len(outcomes) == len(fractions)


# --- repay and defer killed at exact points of the append ------------------------------------------

@pytest.mark.parametrize("name", ["repay", "defer", "reverse"])
@pytest.mark.parametrize("mode, lands", [("before-open", False), ("before-fsync", True), ("after-fsync", True)])
def test_posting_killed_at_each_point_of_the_append(tmp_path, name, mode, lands):
    d = write_book(tmp_path)
    add_cx(d)
    journal = d / JOURNAL[name]
    before, rest = journal.read_bytes(), others(d, JOURNAL[name])
    p = run_to_end([*ARGS[name], "--data-dir", str(d)], tmp_path, code=AT_POINT, pre=(JOURNAL[name], mode))
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()
    assert check_journal_after_kill(before, journal.read_bytes(), RECORD[name]) is lands
    assert others(d, JOURNAL[name]) == rest
    validates(d)
    rerun_completes(name, d, lands)


@pytest.mark.parametrize("name", ["repay", "defer", "reverse"])
def test_a_torn_append_is_reported_refused_and_repaired(tmp_path, name):
    """A power cut mid-write (simulated: half the line written, then the process dies)."""
    d = write_book(tmp_path)
    add_cx(d)
    journal = d / JOURNAL[name]
    before = journal.read_bytes()
    line = before.count(b"\n") + 1
    p = run_to_end([*ARGS[name], "--data-dir", str(d)], tmp_path, code=AT_POINT, pre=(JOURNAL[name], "torn"))
    assert p.returncode == -signal.SIGKILL
    torn = journal.read_bytes()
    assert torn == before + RECORD[name].encode()[: len(RECORD[name].encode()) // 2]
    # validate names the line; every command refuses; nothing is applied or appended meanwhile
    r = invoke(["validate", "--data-dir", str(d)])
    assert r.exit_code == 1 and f"{journal}:{line}:" in r.stderr and "torn write" in r.stderr
    for args in (ARGS["repay"], ARGS["defer"], ["bill", "--as-of", BILL_DAY], ["overdue-report", "--as-of", "2026-11-05"]):
        r = invoke([*args, "--data-dir", str(d), "--format", "json"])
        assert r.exit_code == 1 and r.stdout == "" and f"{journal}:{line}:" in r.stderr, (args, r.stderr)
        assert journal.read_bytes() == torn
    # the repair of docs/posting.md: keep every complete line
    cut = torn.rfind(b"\n") + 1
    with open(journal, "r+b") as f:
        f.truncate(cut)
    validates(d)
    rerun_completes(name, d, appended=False)


# --- bill --out under SIGKILL and SIGTERM -----------------------------------------------------------

def check_statement_folder(out: Path, clean: dict, sig: int) -> None:
    """Every final name holds exactly the clean run's bytes; leftovers are only temp names."""
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        rel = str(p.relative_to(out))
        if p.name.startswith(".") and p.name.endswith(".tmp"):
            assert sig == signal.SIGKILL, f"SIGTERM left a temporary file: {rel}"
            assert not p.name.endswith((".json", ".txt", ".csv"))
            continue
        assert rel in clean, f"unexpected file {rel}"
        assert p.read_bytes() == clean[rel], f"partial or different {rel}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_bill_out_interrupted_at_any_moment_never_leaves_a_partial_statement(tmp_path, big_book, run_time, sig):
    clean = run_time["bill_bytes"]
    assert len(clean) > 256                   # the parallel writer is exercised too
    data_before = tree(big_book)
    for k, f in enumerate((0.5, 0.75, 0.9)):
        out = tmp_path / f"out{k}"
        p = spawn(["bill", "--data-dir", str(big_book), "--as-of", BILL_DAY, "--out", str(out), "--format", "csv"],
                  tmp_path)
        time.sleep(run_time["bill"] * f)
        p.send_signal(sig)
        _o, err = p.communicate(timeout=60)
        assert p.returncode in (-sig, 0), err.decode()
        assert b"Traceback" not in err
        if p.returncode == -signal.SIGTERM:
            assert b"terminated (SIGTERM)" in err
        check_statement_folder(out, clean, sig)
        # a re-run completes and writes exactly what a clean run writes, leftovers removed
        r = invoke(["bill", "--data-dir", str(big_book), "--as-of", BILL_DAY, "--out", str(out), "--format", "csv"])
        assert r.exit_code == 0, r.stderr
        assert {str(q.relative_to(out)): q.read_bytes() for q in out.rglob("*") if q.is_file()} == clean
        shutil.rmtree(out)
    assert tree(big_book) == data_before


SIGNAL_AT_REPLACE = r"""
import os, signal, sys
sig = getattr(signal, sys.argv[1]); args = sys.argv[2:]
real = os.replace
calls = [0]
def replace(src, dst):
    calls[0] += 1
    if calls[0] == 3:                     # the third file: complete under its temporary name
        os.kill(os.getpid(), sig)
    return real(src, dst)
os.replace = replace
from baitiao_cli.cli.app import main
sys.argv = ["baitiao", *args]
main()
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_bill_out_signalled_before_a_rename(tmp_path, sig):
    d = write_book(tmp_path)
    out = tmp_path / "out"
    p = run_to_end(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--out", str(out)], tmp_path,
                   code=SIGNAL_AT_REPLACE, pre=(sig,))
    assert p.returncode == -getattr(signal, sig)
    assert b"Traceback" not in p.stderr
    names = sorted(os.listdir(out / "2026-03-03"))
    temps = [n for n in names if n.endswith(".tmp")]
    assert [n for n in names if not n.endswith(".tmp")] == ["C1.json", "C1.txt"]   # complete files only
    if sig == "SIGTERM":
        assert temps == [] and b"terminated (SIGTERM)" in p.stderr          # cleaned up on the way out
    else:
        assert len(temps) == 1 and temps[0].startswith(".C2.json.")          # SIGKILL cannot be cleaned up
    clean = tmp_path / "clean"
    assert invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--out", str(clean)]).exit_code == 0
    assert invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--out", str(out)]).exit_code == 0
    assert tree(out) == tree(clean)


def test_sigterm_while_waiting_for_the_journal_lock_writes_nothing(tmp_path):
    """A posting stuck behind another one's lock can be stopped cleanly."""
    import fcntl

    d = write_book(tmp_path)
    add_cx(d)
    before = tree(d)
    fd = os.open(str(d), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        p = spawn([*REPAY, "--data-dir", str(d)], tmp_path)
        time.sleep(1.0)
        assert p.poll() is None                   # waiting for the lock
        p.send_signal(signal.SIGTERM)
        _o, err = p.communicate(timeout=30)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert p.returncode == -signal.SIGTERM and b"Traceback" not in err
    assert tree(d) == before
    rerun_completes("repay", d, appended=False)


def test_sigterm_in_a_jobs_run_stops_the_workers_too(tmp_path, big_book, run_time):
    """--jobs forks workers: they keep the default SIGTERM action (no stray tracebacks, no orphans)."""
    out = tmp_path / "out"
    p = spawn(["bill", "--data-dir", str(big_book), "--as-of", BILL_DAY, "--out", str(out), "--jobs", "2",
               "--format", "csv"], tmp_path)
    time.sleep(run_time["bill"] * 0.7)
    p.send_signal(signal.SIGTERM)
    _o, err = p.communicate(timeout=60)
    assert p.returncode in (-signal.SIGTERM, 0)
    assert b"Traceback" not in err
    check_statement_folder(out, run_time["bill_bytes"], signal.SIGTERM)
    deadline = time.monotonic() + 10
    while still_running(str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not still_running(str(out)), "a worker outlived the run"


def still_running(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (forked workers keep the parent's)."""
    found: list[int] = []
    if not os.path.isdir("/proc"):
        return found
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{entry}/stat", "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmd and state != b"Z":
                found.append(int(entry))
    return found
