"""Read and write PD model files (format: ``baitiao_cli.engine.train.modelfile``).

Writing is atomic (``io.atomic.write_atomic``: temporary file, fsync, rename), so a crash
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

from pathlib import Path

from ..engine.train.modelfile import ModelFormatError, PdModel
from ..errors import DataError, Problem, RefusedError, UsageError
from .atomic import write_atomic


def read_model(path: str | Path) -> PdModel:
    """Load a model file; any fault is a DataError naming the file and the key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError([Problem(source, 0, "", "model file not found")]) from None
    except IsADirectoryError:
        raise DataError([Problem(source, 0, "", "is a folder, not a model file")]) from None
    except OSError as e:
        raise DataError([Problem(source, 0, "", f"cannot read the model file: {e.strerror or e}")]) from None
    except UnicodeDecodeError:
        raise DataError([Problem(source, 0, "", "not a model file (not UTF-8 text)")]) from None
    try:
        return PdModel.from_json(text)
    except ModelFormatError as e:
        raise DataError([Problem(source, 0, "", f"not a usable model file: {e}")]) from None


def write_model(path: str | Path, model: PdModel) -> None:
    """Write the model file atomically (``io.atomic``); an unwritable target is refused."""
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    if target.is_dir():
        raise UsageError(f"cannot write {target}: it is a folder")
    try:
        write_atomic(target, model.to_json())
    except OSError as e:
        raise RefusedError(f"cannot write {target}: {e.strerror or e}") from None
