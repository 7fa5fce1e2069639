"""``--cluster ADDRESS|local:N`` (issue 16): a batch run as Dask tasks, byte-identical to one process.

On a small generated book (``benchmarks.generate``, 300 customers, with deferral requests the
engine refuses so that runs have warnings): ``bill`` (every format, the ``--out`` tree),
``overdue-report`` (every format, the worklist), ``score`` and ``review`` (every format,
``review --apply``) on a LocalCluster of 2 worker processes equal the single-process run
(stdout, stderr, exit status, files). Most runs join one LocalCluster started once for the
module (``--cluster tcp://...``); one run starts its own (``--cluster local:2``). Bad values are
usage errors (exit 2); an unreachable scheduler is exit 1 within the timeout; without dask the
message names the extra.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import distributed   # the test extra installs dask[distributed]: CI tests the cluster path
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baitiao_cli.cli.app import app  # noqa: E402
from baitiao_cli.services import cluster as cluster_service  # noqa: E402
from baitiao_cli.services.cluster import ClusterSpec, parse_cluster  # noqa: E402
# the book of test_sharding (300 generated customers, deferrals the engine refuses: runs have warnings)
from test_sharding import AS_OF, BILL_DAY, COMPARE, book, files_under, isolated, run  # noqa: E402,F401


@pytest.fixture(scope="module")
def address():
    """A LocalCluster of 2 worker processes (one thread each) for the module, joined by address."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c.scheduler_address


def same(one, many) -> None:
    assert (many.exit_code, many.stdout, many.stderr) == (one.exit_code, one.stdout, one.stderr)


@pytest.fixture
def client_loads_nothing(monkeypatch):
    """Call it after the single run: from then on this (the client) process must not load the
    book (every part is loaded by a worker)."""
    def refuse(*_a, **_k):
        raise AssertionError("the client loaded the whole input")

    def forbid() -> None:
        from baitiao_cli.io import loader
        from baitiao_cli.services import validation

        monkeypatch.setattr(validation, "load_input", refuse)
        monkeypatch.setattr(loader, "load_dataset", refuse)
    return forbid


# --- the option ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("local:2", ClusterSpec(2)), (" local:16 ", ClusterSpec(16)),
    ("tcp://10.0.0.5:8786", ClusterSpec(0, "tcp://10.0.0.5:8786")),
    ("scheduler.internal:8786", ClusterSpec(0, "tcp://scheduler.internal:8786")),
    ("tls://sched:8786", ClusterSpec(0, "tls://sched:8786")),
])
def test_parse_cluster(value, expected):
    assert parse_cluster(value) == expected


@pytest.mark.parametrize("value", ["local:0", "local:x", "local:", "local:257", "foo", "", "tcp://host",
                                   "http://host:80/path", "local:-1"])
def test_parse_cluster_refuses(value):
    with pytest.raises(ValueError):
        parse_cluster(value)


@pytest.mark.parametrize("command", [("bill", "--as-of", BILL_DAY), ("overdue-report", "--as-of", AS_OF),
                                     ("score", "--as-of", AS_OF), ("review", "--as-of", AS_OF)])
@pytest.mark.parametrize("bad, says", [
    (["--cluster", "local:0"], "--cluster: local:N"), (["--cluster", "local:x"], "--cluster: local:N"),
    (["--cluster", "foo"], "--cluster: expected local:N or a scheduler address"),
    (["--partitions", "3"], "--partitions goes with --cluster"),
    (["--cluster", "local:2", "--partitions", "0"], "--partitions must be between 1 and"),
])
def test_bad_cluster_values_are_usage_errors(book, command, bad, says):
    r = run(book, *command, *bad)
    assert r.exit_code == 2 and says in r.stderr


@pytest.mark.parametrize("command", [("bill", "--as-of", BILL_DAY), ("overdue-report", "--as-of", AS_OF)])
def test_cluster_does_not_go_with_jobs(book, command):
    r = run(book, *command, "--cluster", "local:2", "--jobs", "2")
    assert r.exit_code == 2 and "--jobs and --cluster do not go together" in r.stderr


@pytest.mark.parametrize("command", [("bill", "--as-of", BILL_DAY), ("score", "--as-of", AS_OF),
                                     ("review", "--as-of", AS_OF)])
def test_cluster_does_not_go_with_customer(book, command):
    r = run(book, *command, "--customer", "C000001", "--cluster", "local:2")
    assert r.exit_code == 2 and "--cluster" in r.stderr and "--customer" in r.stderr


def test_cluster_does_not_go_with_features(book, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,x\n1,2\n", encoding="utf-8")
    r = run(book, "score", "--features", str(table), "--model", str(table), "--cluster", "local:2")
    assert r.exit_code == 2 and "--cluster scores the customers of the book" in r.stderr


def test_without_dask_the_message_names_the_extra(book, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)       # import distributed -> ImportError
    r = run(book, "overdue-report", "--as-of", AS_OF, "--cluster", "local:2")
    assert r.exit_code == 2
    assert "pip install 'baitiao[cluster]'" in r.stderr and r.stdout == ""


def test_an_unreachable_scheduler_is_exit_1_within_the_timeout(book, monkeypatch):
    monkeypatch.setattr(cluster_service, "CONNECT_TIMEOUT", 1.0)
    r = run(book, "overdue-report", "--as-of", AS_OF, "--cluster", "tcp://127.0.0.1:1")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("error: --cluster tcp://127.0.0.1:1: cannot reach the scheduler within 1 s")


def test_a_scheduler_without_workers_is_exit_1(book, monkeypatch):
    monkeypatch.setattr(cluster_service, "CONNECT_TIMEOUT", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None, silence_logs=40) as c:
        r = run(book, "overdue-report", "--as-of", AS_OF, "--cluster", c.scheduler_address)
    assert r.exit_code == 1 and "the scheduler has no worker" in r.stderr


@pytest.mark.parametrize("argv", [["--help"], ["quote", "--amount", "100", "--terms", "3", "--date", "2026-03-05"]])
def test_help_and_quote_import_no_dask(argv):
    # (quote reads no data folder: io.config names it, io.objstore imports pyarrow.fs only for an s3:// one)
    code = ("import sys\nfrom baitiao_cli.cli.app import main\n"
            f"sys.argv = ['baitiao', *{argv!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'pyarrow'))\n"
            "assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr


# --- byte-identical to one process ---------------------------------------------------------------

def test_local_cluster_overdue_report_is_the_single_run(book, address, client_loads_nothing):
    # (``address``: another cluster runs, so port 8787 is taken: dask's warning about it stays off stderr)
    args = ("overdue-report", "--as-of", AS_OF, "--compare", COMPARE, "--format", "json")
    one = run(book, *args)
    assert one.exit_code == 0 and "warning: customer" in one.stderr
    client_loads_nothing()
    same(one, run(book, *args, "--cluster", "local:2"))


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_bill_on_a_cluster_is_the_single_run(book, address, tmp_path, fmt, client_loads_nothing):
    one = run(book, "bill", "--as-of", BILL_DAY, "--format", fmt, "--out", str(tmp_path / "one"))
    assert one.exit_code == 0 and "warning: customer" in one.stderr
    client_loads_nothing()
    many = run(book, "bill", "--as-of", BILL_DAY, "--format", fmt, "--out", str(tmp_path / "many"),
               "--cluster", address)
    same(one, many)
    assert files_under(tmp_path / "many") == files_under(tmp_path / "one")
    assert len(files_under(tmp_path / "one")) > 40


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_overdue_report_on_a_cluster_is_the_single_run(book, address, tmp_path, fmt, client_loads_nothing):
    args = ("overdue-report", "--as-of", AS_OF, "--compare", COMPARE, "--format", fmt)
    one = run(book, *args, "--out", str(tmp_path / "one.csv"))
    client_loads_nothing()
    many = run(book, *args, "--out", str(tmp_path / "many.csv"), "--cluster", address, "--partitions", "3")
    same(one, many)
    assert (tmp_path / "many.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


@pytest.mark.parametrize("shard", ["1/2", "3/3"])
def test_a_shard_on_a_cluster_is_the_shard(book, address, shard):
    for command in (("bill", "--as-of", BILL_DAY), ("overdue-report", "--as-of", AS_OF)):
        one = run(book, *command, "--format", "json", "--shard", shard)
        same(one, run(book, *command, "--format", "json", "--shard", shard, "--cluster", address))


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_score_on_a_cluster_is_the_single_run(book, address, fmt, client_loads_nothing):
    args = ("score", "--as-of", AS_OF, "--psi-against", COMPARE, "--format", fmt)
    one = run(book, *args)
    assert one.exit_code == 0
    client_loads_nothing()
    same(one, run(book, *args, "--cluster", address))


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_review_on_a_cluster_is_the_single_run(book, address, fmt, client_loads_nothing):
    one = run(book, "review", "--as-of", AS_OF, "--format", fmt)
    assert one.exit_code == 0
    client_loads_nothing()
    same(one, run(book, "review", "--as-of", AS_OF, "--format", fmt, "--cluster", address))


def test_review_apply_on_a_cluster_writes_the_same_journal(book, address, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(book, a)
    shutil.copytree(book, b)
    for _ in range(2):                   # applied, then applied again (a duplicate)
        one = run(a, "review", "--as-of", AS_OF, "--apply", "--ref", "R1", "--format", "json")
        many = run(b, "review", "--as-of", AS_OF, "--apply", "--ref", "R1", "--format", "json", "--cluster", address)
        assert one.exit_code == many.exit_code == 0
        assert many.stdout.replace(str(b), str(a)) == one.stdout
        assert many.stderr.replace(str(b), str(a)) == one.stderr
    assert files_under(a) == files_under(b)


# --- inputs that are not clean: the client loads, words and decides as one process does ----------

def test_invalid_input_refuses_as_one_process(book, address, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(book, bad)
    with open(bad / "repayments.csv", "a", encoding="utf-8") as f:
        f.write("RBAD,C000001,2026-02-30,10.00,normal,app\n")
    for args in (("bill", "--as-of", BILL_DAY, "--out", str(tmp_path / "out")), ("overdue-report", "--as-of", AS_OF),
                 ("score", "--as-of", AS_OF), ("review", "--as-of", AS_OF)):
        one = run(bad, *args)
        many = run(bad, *args, "--cluster", address)
        assert one.exit_code == 1 and "repayments.csv" in one.stderr and "date" in one.stderr
        same(one, many)
        assert args[0] != "bill" or not (tmp_path / "out").exists()
        same(run(bad, *args, "--skip-invalid"), run(bad, *args, "--skip-invalid", "--cluster", address))


def test_a_header_warning_is_said_once(book, address, tmp_path, monkeypatch):
    extra = tmp_path / "extra"
    shutil.copytree(book, extra)
    path = extra / "transactions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",note"] + [ln + ",x" for ln in lines[1:]]) + "\n", encoding="utf-8")
    for args in (("overdue-report", "--as-of", AS_OF, "--format", "csv"), ("score", "--as-of", AS_OF)):
        one = run(extra, *args)
        with monkeypatch.context() as m:          # the parts carry the header warning: the client loads nothing
            from baitiao_cli.services import validation

            m.setattr(validation, "load_input", None)
            m.setattr("baitiao_cli.io.loader.load_dataset", None)
            many = run(extra, *args, "--cluster", address)
        assert many.exit_code == 0 and many.stderr.count("unknown column ignored") == 1, many.stderr
        same(one, many)


def test_a_worker_that_does_not_see_the_data_folder_says_so(tmp_path):
    from baitiao_cli.engine.partition import WHOLE
    from baitiao_cli.errors import RefusedError

    missing = cluster_service._part(str(tmp_path / "nowhere"), None, None, WHOLE, True, None)
    assert missing[0] == cluster_service.NO_DATA
    with pytest.raises(RefusedError, match="is not there on the worker host"):
        cluster_service._check_data_seen([missing, None], str(tmp_path))      # the client sees it
    cluster_service._check_data_seen([missing], str(tmp_path / "nowhere"))    # nor does the client: its load says so



def test_parts_that_hash_ids_differently_run_again_checking_every_id(book, monkeypatch):
    """Workers without a common hash seed: the parts are run again, each checking all the ids."""
    from contextlib import contextmanager

    from baitiao_cli.engine.partition import WHOLE
    from baitiao_cli.io.config import load_config

    calls = []
    real = cluster_service._part

    def part(data_dir, cfg, encoding, job, split_ids, compute):
        calls.append((job.job, split_ids))
        got = real(data_dir, cfg, encoding, job, split_ids, compute)
        return (job.job if split_ids else 0,) + got[1:]         # a different hash() per part when split

    class Client:                                               # runs each task here, at once
        def submit(self, fn, *args, pure=True):
            return fn(*args)

        def gather(self, futures):
            return futures

    @contextmanager
    def connect(_spec):
        yield Client()

    monkeypatch.setattr(cluster_service, "_part", part)
    monkeypatch.setattr(cluster_service, "connect", connect)
    lc = load_config(str(book / "config.toml"), str(book))
    got = cluster_service.run_parts(ClusterSpec(2, None, 3), lc, None, WHOLE, lambda dataset, job: len(
        [c for c in dataset.customers if c.customer_id in job]))
    assert calls == [(1, True), (2, True), (3, True), (1, False), (2, False), (3, False)]
    assert sum(got) == 300


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_remind_on_a_cluster_is_the_single_run(book, address, fmt, client_loads_nothing):
    args = ("remind", "--as-of", AS_OF, "--days", "10", "--format", fmt)
    one = run(book, *args)
    assert one.exit_code == 0
    client_loads_nothing()
    same(one, run(book, *args, "--cluster", address))
