"""The pure engine: plain frozen data in, plain data out. Imports nothing from io/cli.

The replay kernel (``KERNEL``: the modules ``setup.py`` compiles with Cython when it can; their
types in the ``.pxd`` next to them) may be loaded compiled or as the ``.py`` it is built from:
the same source either way (docs/scale.md, "A compiled replay"). ``BAITIAO_PURE=1`` in the
environment loads the ``.py`` even where the compiled modules are built; ``compiled()`` says
which this process runs.
"""

import os
import sys

KERNEL = ("calendar", "money", "recorder", "replay", "schedule")


class _PureFinder:
    """Finds the kernel's ``.py`` before the import system finds its compiled module (BAITIAO_PURE)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        package, _, module = name.rpartition(".")
        if package != __name__ or module not in KERNEL:
            return None
        from importlib.util import spec_from_file_location
        return spec_from_file_location(name, os.path.join(os.path.dirname(__file__), module + ".py"))


if os.environ.get("BAITIAO_PURE", "") not in ("", "0"):
    sys.meta_path.insert(0, _PureFinder)


def compiled() -> bool:
    """Whether this process runs the compiled replay kernel (False: the pure Python modules)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    from . import replay
    return (replay.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES))
