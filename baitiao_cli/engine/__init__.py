"""The pure engine: plain frozen data in, plain data out. Imports nothing from io/cli.

The replay kernel (``KERNEL``: the modules ``setup.py`` compiles with Cython when it can; their
C types in the ``.pxd`` next to them) runs compiled or as the ``.py`` it is built from: the same
source either way (docs/scale.md, "A compiled replay"). The ``.py`` is loaded instead of the
compiled module when ``BAITIAO_PURE=1`` is in the environment, or, in a source checkout (an
editable install: ``setup.py`` two folders up), when the compiled module is older than its ``.py`` or
``.pxd`` (edited since the last build: rebuild with ``pip install -e .``). An installed package (a
wheel) is never judged by its files' times: pip writes them in archive order, the ``.py`` after the
``.so``. ``compiled()`` says which this process runs.
"""

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES

KERNEL = ("calendar", "money", "recorder", "replay", "revolving", "schedule")
_HERE = os.path.dirname(os.path.abspath(__file__))
_PURE = os.environ.get("BAITIAO_PURE", "") not in ("", "0")
# a source checkout, where a kernel .py can be edited after its build (an installed wheel cannot)
_CHECKOUT = os.path.isfile(os.path.join(_HERE, os.pardir, os.pardir, "setup.py"))


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _use_source(module: str) -> bool:
    """Whether the kernel module ``module`` must load from its ``.py`` although it is compiled."""
    built = [_mtime(os.path.join(_HERE, module + suffix)) for suffix in EXTENSION_SUFFIXES]
    newest_build = max(built)
    if not newest_build:
        return False              # not compiled: the import system finds the .py anyway
    source = os.path.join(_HERE, module)
    return _PURE or (_CHECKOUT and newest_build < max(_mtime(source + ".py"), _mtime(source + ".pxd")))


class _SourceFinder:
    """Finds a kernel module's ``.py`` before the import system finds its compiled module."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        package, _, module = name.rpartition(".")
        if package != __name__ or module not in KERNEL or not _use_source(module):
            return None
        from importlib.util import spec_from_file_location
        return spec_from_file_location(name, os.path.join(_HERE, module + ".py"))


sys.meta_path.insert(0, _SourceFinder)


def compiled() -> bool:
    """Whether this process runs the compiled replay kernel (every ``KERNEL`` module compiled)."""
    from importlib import import_module

    return all((import_module(f"{__name__}.{m}").__file__ or "").endswith(tuple(EXTENSION_SUFFIXES))
               for m in KERNEL)
