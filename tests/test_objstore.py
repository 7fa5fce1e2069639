"""Object-store data folders (issue 16 point 3): ``--data-dir s3://bucket/prefix``.

Against moto's S3 server started in this process (``moto[server]``, the test extra: a real S3 API
without a cloud account), the environment pointed at it as an operator would point it at MinIO
(``AWS_ENDPOINT_URL``, keys, region). A book uploaded under a prefix gives exactly what the same
book in a local folder gives (stdout, stderr and exit status, the folder's name aside) for every
read-only batch command in json and csv, with CSV, JSON Lines and Parquet objects, through the
Python and the Arrow readers, GBK text, and on ``--cluster local:2``. A malformed row is named by
its URI (``s3://b/p/transactions.csv:N: amount: ...``, exit 1); a missing bucket, prefix or customers
file, refused credentials and an unreachable endpoint are a plain message and exit 1; another
scheme, the posting commands and an ``--out`` URI are usage errors (exit 2).
"""

from __future__ import annotations

import csv
import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("moto.server", reason="moto[server] (the test extra) is not installed")
boto3 = pytest.importorskip("boto3")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from moto.server import ThreadedMotoServer  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from baitiao_cli.cli.app import app  # noqa: E402
from baitiao_cli.io import loader, objstore  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from trust_helpers import DATA_COMMANDS, appended, write_book  # noqa: E402

BUCKET = "baitiao-books"
BILL_DAY = "2026-11-03"
AS_OF = "2026-11-25"
READ_ONLY = [("bill", "--as-of", BILL_DAY), ("overdue-report", "--as-of", AS_OF), ("score", "--as-of", AS_OF),
             ("validate",), ("remind", "--as-of", AS_OF), ("review", "--as-of", AS_OF)]
POSTING = ("repay", "repay --dry-run", "defer", "convert", "reverse", "waive", "write-off", "review --apply")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3():
    """moto's S3 server on a free port, the AWS variables pointed at it; a boto3 client to upload with."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("AWS_ENDPOINT_URL_S3", raising=False)
        mp.delenv("AWS_REGION", raising=False)
        client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client
    server.stop()


def upload(client, folder: Path, prefix: str) -> str:
    """Every file of ``folder`` under ``prefix``; the folder's URI."""
    for p in sorted(folder.iterdir()):
        if p.is_file():
            client.put_object(Bucket=BUCKET, Key=f"{prefix}/{p.name}", Body=p.read_bytes())
    return f"s3://{BUCKET}/{prefix}"


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Path:
    """300 generated customers (benchmarks.generate) and an empty config beside them."""
    d = tmp_path_factory.mktemp("objbook") / "book"
    d.mkdir()
    generate(d, customers=300, seed=11)
    (d.parent / "config.toml").write_text("", encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def uri(s3, book) -> str:
    return upload(s3, book, "generated/book")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def run(data: object, *args: str, config: Path | None = None):
    line = [args[0], "--data-dir", str(data), *args[1:]]
    if config is not None:
        line += ["--config", str(config)]
    r = CliRunner().invoke(app, line)
    assert "Traceback" not in r.stdout + r.stderr
    return r


def same_as_local(local: Path, remote: str, *args: str, config: Path | None = None):
    """The run on ``remote`` gives what the run on ``local`` gives, the folder named by its URI."""
    here = run(local, *args, config=config)
    there = run(remote, *args, config=config)
    named = lambda text: text.replace(str(local), remote)  # noqa: E731
    assert (there.exit_code, there.stdout, there.stderr) == (here.exit_code, named(here.stdout), named(here.stderr))
    return there


# --- the same output as a local folder -------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_a_book_in_s3_gives_the_local_output(book, uri, command, fmt):
    r = same_as_local(book, uri, *command, "--format", fmt, config=book.parent / "config.toml")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip()


def test_the_arrow_reader_reads_objects_as_local_files(book, uri, monkeypatch):
    monkeypatch.setattr(loader, "ARROW_FROM", 0)            # every CSV file it can: through pyarrow
    for command in (("overdue-report", "--as-of", AS_OF), ("validate",)):
        r = same_as_local(book, uri, *command, "--format", "json", config=book.parent / "config.toml")
        assert r.exit_code == 0, r.stderr


def _as_jsonl(src: Path, dst: Path) -> None:
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    dst.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _as_parquet(src: Path, dst: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    with open(src, encoding="utf-8", newline="") as f:
        names = next(csv.reader(f))
    table = pcsv.read_csv(src, convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                    strings_can_be_null=False))
    pq.write_table(table, dst)


@pytest.mark.parametrize("arrow_from", [1 << 20, 0])
def test_parquet_and_jsonl_objects(s3, book, tmp_path, monkeypatch, arrow_from):
    monkeypatch.setattr(loader, "ARROW_FROM", arrow_from)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    _as_parquet(book / "customers.csv", mixed / "customers.parquet")
    _as_jsonl(book / "transactions.csv", mixed / "transactions.jsonl")
    _as_parquet(book / "repayments.csv", mixed / "repayments.parquet")
    _as_jsonl(book / "deferrals.csv", mixed / "deferrals.jsonl")
    remote = upload(s3, mixed, f"mixed-{arrow_from}")
    config = book.parent / "config.toml"
    for command in (("overdue-report", "--as-of", AS_OF), ("bill", "--as-of", BILL_DAY)):
        r = same_as_local(mixed, remote, *command, "--format", "json", config=config)
        assert r.exit_code == 0, r.stderr
        assert r.stdout == run(book, *command, "--format", "json", config=config).stdout   # = the CSV book


def test_gbk_text_is_detected_in_an_object(s3, tmp_path):
    gbk = write_book(tmp_path, {"customers.csv": ("customer_id,name,opened_on,statement_day\n"
                                                  "C1,张三,2025-12-01,3\nC2,李四,2025-12-01,3\n"
                                                  "C3,王五,2025-12-01,3\n").encode("gb18030")})
    r = same_as_local(gbk, upload(s3, gbk, "gbk"), "validate", "--format", "json")
    assert r.exit_code == 0, r.stderr


def test_the_config_names_an_s3_folder(uri, book, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[data]\ndir = "{uri}"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["overdue-report", "--as-of", AS_OF, "--format", "json", "--config", str(config)])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == run(book, "overdue-report", "--as-of", AS_OF, "--format", "json").stdout


@pytest.fixture(scope="session")
def small(s3, tmp_path_factory) -> tuple:
    """The trust book (trust_helpers.write_book), local and in S3."""
    local = write_book(tmp_path_factory.mktemp("small"))
    return local, upload(s3, local, "small")


@pytest.mark.parametrize("name", ["bill --customer", "score --customer", "balance", "quote --customer",
                                  "review", "remind"])
def test_the_trust_book_reads_the_same_from_an_object_store(small, name):
    local, remote = small
    r = same_as_local(local, remote, *DATA_COMMANDS[name], "--format", "json")
    assert r.exit_code == 0, r.stderr


def test_every_journal_is_read_from_an_object_store(s3, tmp_path):
    """The trust book after a conversion, a waiver, a reversal and an applied review (posted locally):
    conversions, adjustments, reversals and limits objects beside the others."""
    local = write_book(tmp_path)
    for name in ("convert", "waive", "reverse", "review --apply"):
        assert run(local, *DATA_COMMANDS[name]).exit_code == 0
    assert {"conversions.csv", "adjustments.csv", "reversals.csv", "limits.csv"} <= {p.name for p in local.iterdir()}
    remote = upload(s3, local, "journals")
    for name in ("validate", "overdue-report", "review", "bill"):
        r = same_as_local(local, remote, *DATA_COMMANDS[name], "--format", "json")
        assert r.exit_code == 0, r.stderr


def test_train_from_history_reads_an_object_store(book, uri, tmp_path):
    args = ("train", "--from-history", "--observation-date", "2026-05-01", "--as-of", AS_OF, "--format", "json")
    here = run(book, *args, "--out", str(tmp_path / "here.json"), config=book.parent / "config.toml")
    there = run(uri, *args, "--out", str(tmp_path / "there.json"), config=book.parent / "config.toml")
    assert there.exit_code == here.exit_code == 0, there.stderr
    assert (tmp_path / "there.json").read_bytes() == (tmp_path / "here.json").read_bytes()   # (source: "book")


# --- bad data and unreachable stores: exit 1, a plain message --------------------------------------

def test_a_malformed_row_is_named_by_its_uri(s3, tmp_path):
    bad = write_book(tmp_path, appended("transactions.csv", "T9,C1,2026-02-20,purchase,12.345,1,,,m,online"))
    remote = upload(s3, bad, "malformed")
    r = same_as_local(bad, remote, "overdue-report", "--as-of", "2026-03-05", "--format", "json")
    assert r.exit_code == 1 and r.stdout == ""
    assert f"{remote}/transactions.csv:" in r.stderr and ": amount: " in r.stderr
    v = same_as_local(bad, remote, "validate", "--format", "json")      # (a table's widths follow the names)
    assert v.exit_code == 1 and f'"file": "{remote}/transactions.csv"' in v.stdout


def test_a_missing_bucket_is_exit_1(s3):
    r = run("s3://no-such-bucket/book", "overdue-report", "--as-of", AS_OF)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.splitlines()[0] == "error: s3://no-such-bucket/book: bucket no-such-bucket not found " \
                                       "(--data-dir or data.dir in the config)"


def test_an_empty_prefix_is_exit_1(s3):
    r = run(f"s3://{BUCKET}/nothing/here", "bill", "--as-of", BILL_DAY)
    assert r.exit_code == 1 and r.stdout == ""
    assert "no object under this prefix" in r.stderr


def test_a_missing_customers_file_is_exit_1(s3, tmp_path):
    remote = upload(s3, write_book(tmp_path, {"customers.csv": None}), "no-customers")
    r = run(remote, "overdue-report", "--as-of", "2026-03-05")
    assert r.exit_code == 1 and r.stdout == ""
    assert f"{remote}/customers.*: missing required file" in r.stderr


def test_refused_credentials_are_exit_1(uri, monkeypatch):
    from moto.core.authorization import enable_iam_authentication

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000")
    with enable_iam_authentication():
        r = run(uri, "overdue-report", "--as-of", AS_OF)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"error: {uri}: cannot read the object store (check AWS_ACCESS_KEY_ID and "
                               "AWS_SECRET_ACCESS_KEY)")
    assert len(r.stderr.splitlines()) == 1


def test_an_unreachable_endpoint_is_exit_1_quickly(uri, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    t = time.monotonic()
    r = run(uri, "score", "--as-of", AS_OF)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"error: {uri}: cannot read the object store (check AWS_ENDPOINT_URL")
    assert time.monotonic() - t < 30          # (a bound against a hang, not a timing test)


def test_an_endpoint_that_never_answers_is_exit_1_within_the_timeouts(uri, monkeypatch):
    monkeypatch.setattr(objstore, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(objstore, "REQUEST_TIMEOUT", 1.0)
    with socket.socket() as silent:            # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
        r = run(uri, "validate")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"error: {uri}: cannot read the object store (check AWS_ENDPOINT_URL")
    assert "Timeout" in r.stderr and len(r.stderr.splitlines()) == 1


# --- usage errors: exit 2 --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["gs://bucket/book", "hdfs://nn/book", "ftp://host/x", "s3://", "s3://A_B/x"])
def test_another_scheme_or_no_bucket_is_a_usage_error(value):
    r = run(value, "overdue-report", "--as-of", AS_OF)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"error: --data-dir: {value}: ")


def test_another_scheme_in_the_config_is_a_usage_error(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[data]\ndir = "gs://bucket/book"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert r.exit_code == 2 and r.stderr.startswith("error: data.dir: gs://bucket/book: unsupported scheme gs://")


@pytest.mark.parametrize("name", POSTING)
def test_posting_commands_refuse_an_object_store(uri, name):
    r = run(uri, *DATA_COMMANDS[name])
    assert r.exit_code == 2 and r.stdout == ""
    command = DATA_COMMANDS[name][0] + (" --apply" if "--apply" in name else "")
    assert r.stderr.startswith(f"error: {command}: the data folder {uri} (--data-dir or data.dir) is in an object "
                               f"store: {command} appends to a journal")


@pytest.mark.parametrize("args", [("bill", "--as-of", BILL_DAY, "--out", "s3://baitiao-books/out"),
                                  ("overdue-report", "--as-of", AS_OF, "--out", "s3://baitiao-books/w.csv"),
                                  ("remind", "--as-of", AS_OF, "--out", "s3://baitiao-books/sms.csv")])
def test_an_output_uri_is_a_usage_error(uri, args, tmp_path):
    r = run(uri, *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert "--out: s3://baitiao-books/" in r.stderr and "local file or folder only" in r.stderr
    assert not list(tmp_path.iterdir())


def test_an_object_path_pickles_as_its_uri():
    import pickle

    p = objstore.data_folder(f"s3://{BUCKET}//a/b/") / "customers.csv"
    assert str(p) == f"s3://{BUCKET}/a/b/customers.csv" and (p.name, p.suffix) == ("customers.csv", ".csv")
    assert pickle.loads(pickle.dumps(p)) == p


# --- on a cluster: the workers read the objects ----------------------------------------------------

def test_cluster_over_s3_is_the_single_run(book, uri, monkeypatch):
    pytest.importorskip("distributed")
    from baitiao_cli.services import validation

    config = book.parent / "config.toml"
    args = ("overdue-report", "--as-of", AS_OF, "--format", "json")
    one = run(uri, *args, config=config)
    assert one.exit_code == 0, one.stderr

    def refuse(*_a, **_k):
        raise AssertionError("the client loaded the whole input")

    monkeypatch.setattr(validation, "load_input", refuse)     # every part is loaded by a worker, from S3
    monkeypatch.setattr(loader, "load_dataset", refuse)
    many = run(uri, *args, "--cluster", "local:2", config=config)
    assert (many.exit_code, many.stdout, many.stderr) == (one.exit_code, one.stdout, one.stderr)
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("command", [("bill", "--as-of", BILL_DAY), ("overdue-report", "--as-of", AS_OF)],
                         ids=lambda c: c[0])
def test_jobs_over_s3_is_the_single_run(book, uri, command):
    config = book.parent / "config.toml"
    one = run(uri, *command, "--format", "json", config=config)
    assert one.exit_code == 0, one.stderr
    many = run(uri, *command, "--format", "json", "--jobs", "2", config=config)      # (forked workers read S3)
    assert (many.exit_code, many.stdout, many.stderr) == (one.exit_code, one.stdout, one.stderr)
