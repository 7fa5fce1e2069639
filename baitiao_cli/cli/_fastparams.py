"""Keep pydantic out of start-up: plain coercion for plain option types.

Recent typer releases (0.2x) coerce every option value through a pydantic ``TypeAdapter``
built when the command runs. Importing pydantic and building the adapters costs about
80-90 ms per invocation on the 2-core reference machine, a third of the 250 ms budget of a
one-line ``baitiao quote`` (benchmarks/startup.py). Our options are all plain: ``str``,
``int``, ``bool``, a ``str`` Enum (``--format``) and ``list`` of those, which need no
pydantic at all.

:func:`install` gives typer's parameters a small coercer for exactly those annotations and
leaves everything else (paths, files, dates, ranges, custom parsers, Literal ...) to typer's
own machinery, which it still builds lazily on first use. It is feature-detected: with a
typer that has no such machinery (older releases use click types directly) or a different
layout, it does nothing, and typer behaves as it always does.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, get_args, get_origin

_INT = re.compile(r"[+-]?[0-9]+")
_installed = False


def _plain_runtime_param_class(runtime_cls: type, build: Any, bad_parameter: type) -> type:
    """typer's ``RuntimeParam`` with a pydantic-free coercion of str / int / bool / str-Enum (and lists)."""

    @dataclass(frozen=True)
    class PlainRuntimeParam(runtime_cls):  # type: ignore[misc, valid-type]
        """Coerces str / int / bool / str-Enum values and lists of them without pydantic."""

        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            ann = self.annotation
            if get_origin(ann) is list:
                if not isinstance(value, (list, tuple)):
                    value = [value]
                item = get_args(ann)[0]
                return [self._leaf(item, v, param, ctx) for v in value]
            return self._leaf(ann, value, param, ctx)

        def _leaf(self, ann: Any, value: Any, param: Any, ctx: Any) -> Any:
            if ann is str and isinstance(value, str):
                return value
            if ann is bool and isinstance(value, bool):
                return value
            if ann is int:
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
                if isinstance(value, str):
                    s = value.strip()
                    if _INT.fullmatch(s):
                        return int(s)
                    raise bad_parameter(f"{value!r} is not a whole number.", ctx=ctx, param=param)
            if isinstance(ann, type) and issubclass(ann, enum.Enum):
                if isinstance(value, ann):
                    return value
                if isinstance(value, str):
                    sensitive = getattr(self.parameter_info, "case_sensitive", True)
                    for member in ann:
                        mv = str(member.value)
                        if mv == value or (not sensitive and mv.casefold() == value.casefold()):
                            return member
                    allowed = ", ".join(repr(str(m.value)) for m in ann)
                    raise bad_parameter(f"{value!r} is not one of {allowed}.", ctx=ctx, param=param)
            # anything unexpected: typer's own coercion, exactly as without this module
            return build(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    return PlainRuntimeParam


def _is_plain(descriptor: Any) -> bool:
    """Whether a parameter's annotation is one the plain coercer handles (and nothing else is asked)."""
    info = descriptor.parameter_info
    if getattr(descriptor, "file_annotation", None) is not None:
        return False
    if any(getattr(info, name, None) is not None for name in ("parser", "click_type", "min", "max")):
        return False
    if getattr(info, "path_type", None) is not None or getattr(info, "allow_dash", False):
        return False
    ann = descriptor.annotation
    leaf = ann
    if get_origin(ann) is list:
        args = get_args(ann)
        if len(args) != 1:
            return False
        leaf = args[0]
    elif get_origin(ann) is not None:
        return False
    if leaf in (str, int, bool):
        return True
    return isinstance(leaf, type) and issubclass(leaf, enum.Enum) and all(isinstance(m.value, str) for m in leaf)


def install() -> bool:
    """Install the plain coercer; True if typer's layout was recognised and it is active."""
    global _installed
    if _installed:
        return True
    try:
        from typer import _coercion, core
        from typer._click.exceptions import BadParameter
    except ImportError:
        return False
    param_cls = getattr(core, "_TyperParameter", None)
    runtime_cls = getattr(_coercion, "RuntimeParam", None)
    build = getattr(_coercion, "build_runtime_param", None)
    if (param_cls is None or runtime_cls is None or build is None
            or not hasattr(param_cls, "get_runtime_param") or not hasattr(runtime_cls, "_coerce_value")):
        return False
    plain_cls = _plain_runtime_param_class(runtime_cls, build, BadParameter)

    def plain(descriptor: Any):
        if not _is_plain(descriptor):
            return None
        return plain_cls(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                         descriptor=descriptor)

    original = param_cls.get_runtime_param

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            try:
                fast = plain(self.type_descriptor)
            except Exception:  # noqa: BLE001 - an unknown typer layout: use typer's own path
                fast = None
            if fast is not None:
                self._runtime_param = fast
        return original(self)

    param_cls.get_runtime_param = get_runtime_param
    _installed = True
    return True
