"""Builds the compiled replay kernel when it can (docs/scale.md, "A compiled replay").

The kernel modules (``baitiao_cli.engine.KERNEL``) are compiled by Cython from their own ``.py``,
with the C types declared in the ``.pxd`` next to each (Cython's pure Python mode): there is no
second source. Everything is optional: without Cython, or when the C compiler fails, the package
installs and runs the same ``.py`` uncompiled. The rest of the configuration is in pyproject.toml.
"""

from setuptools import setup

KERNEL = ("calendar", "money", "recorder", "replay", "revolving", "schedule")   # = baitiao_cli.engine.KERNEL


def kernel_extensions() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError:           # no Cython: the pure Python package
        return []
    extensions = cythonize(
        [f"baitiao_cli/engine/{m}.py" for m in KERNEL],
        # the types come from the .pxd files only: the .py annotations stay documentation
        compiler_directives={"language_level": 3, "annotation_typing": False},
        quiet=True,
    )
    for ext in extensions:
        ext.optional = True       # a compiler failure leaves that module pure, not the install broken
    return extensions


setup(ext_modules=kernel_extensions())
