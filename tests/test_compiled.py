"""The compiled replay kernel (docs/scale.md, "A compiled replay"): one source, two ways to run it.

``setup.py`` compiles the ``engine.KERNEL`` modules with Cython from their own ``.py``, the C types
declared in ``replay.pxd`` and ``revolving.pxd``; ``BAITIAO_PURE=1`` runs the ``.py``. Checked here: the ``.pxd``
declares every attribute the ``.py`` gives its classes (a compiled class has no ``__dict__``),
the two ways print byte for byte the same reports and bills on generated books (the minimum payment
off and on), and ``engine.compiled()`` says which way a process runs (in CI: compiled).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baitiao_cli import engine  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

ENGINE = ROOT / "baitiao_cli" / "engine"
WHICH = "import baitiao_cli.engine as e; print(e.compiled())"


def _declared(pxd: str) -> dict[str, set[str]]:
    """``cdef class`` name -> the attributes its ``cdef public`` lines declare."""
    classes: dict[str, set[str]] = {}
    current = None
    for line in pxd.splitlines():
        m = re.match(r"cdef class (\w+)", line)
        if m:
            current = classes.setdefault(m.group(1), set())
            continue
        m = re.match(r"\s+cdef public (?:\w+ )?(\w+(?:\s*,\s*\w+)*)\s*$", line)
        if m and current is not None:
            current.update(n.strip() for n in m.group(1).split(","))
    return classes


def _assigned(source: str) -> dict[str, set[str]]:
    """Class name -> its ``__slots__``, or the ``self.X`` it assigns anywhere in its methods."""
    out: dict[str, set[str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        names: set[str] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__"
                                                   for t in sub.targets):
                names.update(ast.literal_eval(sub.value))
            targets = sub.targets if isinstance(sub, ast.Assign) else \
                [sub.target] if isinstance(sub, (ast.AnnAssign, ast.AugAssign)) else []
            for t in targets:
                for el in (t.elts if isinstance(t, ast.Tuple) else [t]):
                    if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) and el.value.id == "self":
                        names.add(el.attr)
        out[node.name] = names
    return out


@pytest.mark.parametrize("module,classes", [("replay", {"BilledItem", "PurchasePlan", "Replay"}),
                                            ("revolving", {"MinimumRecord", "Revolving"})])
def test_pxd_declares_every_attribute_of_the_compiled_classes(module, classes):
    declared = _declared((ENGINE / f"{module}.pxd").read_text(encoding="utf-8"))
    assigned = _assigned((ENGINE / f"{module}.py").read_text(encoding="utf-8"))
    assert set(declared) == classes
    for name, attributes in declared.items():
        assert attributes == assigned[name], f"{module}.pxd, cdef class {name}: declare exactly the attributes " \
                                             f"{module}.py gives it (missing {sorted(assigned[name] - attributes)}, " \
                                             f"extra {sorted(attributes - assigned[name])})"


def test_every_pxd_is_a_kernel_module():
    assert {p.stem for p in ENGINE.glob("*.pxd")} == {"replay", "revolving"}
    assert {"replay", "revolving"} <= set(engine.KERNEL)


def test_setup_compiles_the_kernel_modules():
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    kernel = next(ast.literal_eval(n.value) for n in tree.body
                  if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "KERNEL")
    assert kernel == engine.KERNEL
    for module in kernel:
        assert (ENGINE / f"{module}.py").exists()


def _run(args: list[str], pure: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "BAITIAO_PURE"}
    if pure:
        env["BAITIAO_PURE"] = "1"
    return subprocess.run([sys.executable, "-c", "import sys\nfrom baitiao_cli.cli.app import main\n"
                           "sys.argv = ['baitiao'] + sys.argv[1:]\nmain()", *args],
                          capture_output=True, cwd=ROOT, env=env, timeout=300)


def test_compiled_reports_which_kernel_runs():
    pure = subprocess.run([sys.executable, "-c", WHICH], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "BAITIAO_PURE": "1"})
    assert pure.stdout.strip() == "False", pure.stderr
    if os.environ.get("CI"):      # CI installs with Cython and a compiler: the compiled kernel must load
        assert engine.compiled(), "CI runs without the compiled replay kernel (pip install -e . builds it)"


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> list[tuple[Path, list[str]]]:
    plain = tmp_path_factory.mktemp("plain")
    generate(plain, customers=300, seed=7)
    revolving = tmp_path_factory.mktemp("revolving")
    generate(revolving, customers=200, seed=5, revolving=0.5)
    cfg = revolving / "minimum-on.toml"
    cfg.write_text("[minimum_payment]\nenabled = true\n", encoding="utf-8")
    return [(plain, []), (revolving, ["--config", str(cfg)])]


@pytest.mark.parametrize("command", [["overdue-report", "--as-of", "2026-11-20"],
                                     ["bill", "--as-of", "2026-11-03"],
                                     ["bill", "--as-of", "2026-11-15"]])
def test_pure_and_compiled_print_the_same_bytes(books, command):
    for book, config in books:
        args = [*command, "--data-dir", str(book), *config, "--format", "json"]
        compiled, pure = _run(args, pure=False), _run(args, pure=True)
        assert compiled.returncode == pure.returncode == 0, pure.stderr.decode()
        assert compiled.stdout == pure.stdout
        assert compiled.stderr == pure.stderr
        assert len(compiled.stdout) > 10_000


@pytest.mark.skipif(not engine.compiled(), reason="the compiled kernel is not built here")
def test_an_installed_package_runs_compiled_whatever_its_file_times(tmp_path):
    """pip extracts a wheel in archive order, the .py after the .so: outside a source checkout the
    times say nothing, and the compiled kernel must load. Inside one, a newer .py means a stale build."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(ROOT / "baitiao_cli", site / "baitiao_cli",
                    ignore=shutil.ignore_patterns("__pycache__", "*.c", "*.html"))
    later = max(p.stat().st_mtime for p in (site / "baitiao_cli" / "engine").iterdir()) + 10
    for m in engine.KERNEL:                       # every source newer than its build, as pip leaves them
        for suffix in (".py", ".pxd"):
            f = site / "baitiao_cli" / "engine" / (m + suffix)
            if f.exists():
                os.utime(f, (later, later))
    env = {k: v for k, v in os.environ.items() if k not in ("BAITIAO_PURE", "PYTHONPATH")}
    run = subprocess.run([sys.executable, "-c", WHICH], capture_output=True, text=True, cwd=tmp_path,
                         env={**env, "PYTHONPATH": str(site)})
    assert run.stdout.strip() == "True", run.stderr
    (tmp_path / "setup.py").write_text("# a source checkout\n", encoding="utf-8")
    shutil.move(str(site / "baitiao_cli"), str(tmp_path / "baitiao_cli"))
    run = subprocess.run([sys.executable, "-c", WHICH], capture_output=True, text=True, cwd=tmp_path,
                         env={**env, "PYTHONPATH": str(tmp_path)})
    assert run.stdout.strip() == "False", run.stderr      # edited since the build: the .py runs
