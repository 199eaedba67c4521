"""The one writer: every file sopopt writes goes through this module.

- **Files are written whole**: into a temporary file beside the target, renamed into place
  only on success (:func:`atomic_write`, :func:`write_text`, :func:`write_csv`,
  :func:`write_json`, :func:`write_file`). An interrupted or failed write leaves any
  previous file untouched.
- **Text cells are formula-safe** in every CSV: a cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return (a name such as ``=cmd|' /C calc'!A0``) gets a
  leading ``'``, so a spreadsheet shows it as text instead of running it
  (:func:`formula_safe`; :func:`unformula` undoes it on reading). Numbers never change.
  The Excel writer stores such cells as text with the same test (:data:`FORMULA_START`).
- **Folders are written whole** (:func:`replacing_folder`): every file goes into a new
  hidden sibling folder, which is swapped in under a lock beside it (``.<name>.lock``),
  and only when the folder is sopopt's own (:func:`is_own_folder`): absent, empty, or
  marked by sopopt. A folder of the user's is never replaced.
- **Every OS error is one** :class:`~sopopt.errors.OutputError` naming the path and the
  reason (disk full, permission denied, ...): exit 5 on the command line.

Two test-only hooks make failures and races reproducible without timing:
:func:`fault` makes every write raise an ``OSError`` (e.g. ``ENOSPC``, a full disk), and
:data:`SWAP_HOOKS` are called at the instant a folder is swapped in.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sopopt.errors import OutputError
from sopopt.io.paths import display_path

#: Starts of a cell that a spreadsheet would read as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The hidden file that marks a folder as written by sopopt (it may be replaced whole).
MARKER = ".sopopt"
#: Files that marked result folders before :data:`MARKER` existed (their JSON names
#: sopopt in ``versions``).
LEGACY_MARKERS = ("run.json", "hedge.json")
#: Seconds a writer waits for another writer of the same folder before giving up.
LOCK_TIMEOUT = 600.0

_REASONS = {
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file of that name exists where a folder is needed",
}

# ------------------------------------------------------------------ test-only hooks

_fault: list[int] = []
#: Called with the target folder at the instant it is swapped in (signals held): the
#: ``before`` hooks while the old folder is still in place, the ``after`` hooks once the
#: new one is. Test-only.
SWAP_HOOKS: dict[str, list[Callable[[Path], None]]] = {"before": [], "after": []}
#: Folders this process has swapped in (resolved), so a stop just after the swap is
#: reported as "written", not "left as it was".
_swapped: set[Path] = set()


@contextlib.contextmanager
def fault(code: int = errno.ENOSPC) -> Iterator[None]:
    """Test-only: every write in the block raises ``OSError(code)`` (ENOSPC: a full disk)."""
    _fault.append(code)
    try:
        yield
    finally:
        _fault.pop()


def fault_point(path: Path | str) -> None:
    """Raise the simulated OS error of :func:`fault` (if any) for a write to ``path``.
    Writers outside this module (the results store) call it before they write."""
    if _fault:
        raise OSError(_fault[-1], os.strerror(_fault[-1]), str(path))


def was_swapped_in(folder: Path | str) -> bool:
    """True when this process has swapped in a new ``folder`` (see :func:`replacing_folder`)."""
    return Path(folder).resolve() in _swapped


# ------------------------------------------------------------------ reasons and folders


def why_not_written(exc: OSError) -> str:
    """A short reason for a failed write, without a traceback (e.g. "permission denied")."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc) or type(exc).__name__)


def output_error(path: Path | str, exc: OSError) -> OutputError:
    """The one-line error for an OS error while writing ``path``."""
    return OutputError(display_path(Path(path)), why_not_written(exc))


def make_folder(path: Path) -> None:
    """Create ``path`` (and its parents) as a folder, or raise :class:`OutputError`."""
    if path.exists() and not path.is_dir():
        raise OutputError(display_path(path), "it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(path, exc) from None


# ------------------------------------------------------------------ formula-safe cells


def formula_safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text that starts like a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a leading ``'`` on every text cell that starts like a formula."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text:
        return frame
    frame = frame.copy()
    for column in text:
        frame[column] = frame[column].map(formula_safe_cell)
    return frame


def unformula(value: str) -> str:
    """Undo :func:`formula_safe` on one cell read back."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as formula-safe CSV text (no index, ``\\n`` line ends)."""
    return formula_safe(frame).to_csv(index=False, lineterminator="\n")


def json_text(data: Any) -> str:
    """``data`` as indented JSON text ending in a newline."""
    return json.dumps(data, indent=2) + "\n"


# ------------------------------------------------------------------ single files


def _publish(tmp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    mask = os.umask(0)
    os.umask(mask)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~mask
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _new_temp(path: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A temporary file beside ``path``, refusing a ``path`` that is a folder."""
    if path.is_dir():
        raise OutputError(display_path(path), "it is a folder, not a file")
    make_folder(path.parent)
    try:
        return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from None


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[Any]:
    """Open a temporary file beside ``path`` and move it into place only on success.

    Raises:
        OutputError: the file could not be written (folder, permission, disk full).
    """
    path = Path(path)
    fd, tmp = _new_temp(path, f".{path.name}.", ".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            fault_point(path)
            yield handle
        _publish(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise output_error(path, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_file(path: Path, save: Callable[[Path], None]) -> Path:
    """Call ``save`` on a temporary path beside ``path`` (e.g. a workbook's ``save``),
    then rename it into place; returns ``path``.

    Raises:
        OutputError: the file could not be written (folder, permission, disk full).
    """
    path = Path(path)
    fd, tmp = _new_temp(path, f".{path.stem}.", path.suffix)
    os.close(fd)
    try:
        fault_point(path)
        save(Path(tmp))
        _publish(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise output_error(path, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole; returns ``path``."""
    with atomic_write(Path(path)) as handle:
        handle.write(text)
    return Path(path)


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as formula-safe CSV to ``path`` whole; returns ``path``."""
    return write_text(path, csv_text(frame))


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented JSON to ``path`` whole; returns ``path``."""
    return write_text(path, json_text(data))


# ------------------------------------------------------------------ whole folders


class FolderWriter:
    """Writes the files of a folder being built (see :func:`replacing_folder`): the
    files go to ``staging``; :attr:`written` lists where each will be once swapped in."""

    def __init__(self, staging: Path, final: Path) -> None:
        self.staging = staging
        self.final = final
        self.written: list[Path] = []

    def _write(self, name: str, text: str) -> Path:
        target = self.staging / name
        fault_point(self.final / name)
        with target.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.written.append(self.final / name)
        return self.final / name

    def csv(self, stem: str, frame: pd.DataFrame) -> Path:
        """Write ``<stem>.csv``, formula-safe."""
        return self._write(f"{stem}.csv", csv_text(frame))

    def json(self, name: str, data: Any) -> Path:
        """Write ``name`` (e.g. ``run.json``) as indented JSON."""
        return self._write(name, json_text(data))

    def text(self, name: str, text: str) -> Path:
        """Write ``name`` as UTF-8 text."""
        return self._write(name, text)

    def folder(self, name: str) -> FolderWriter:
        """A subfolder, written with this folder (it shares its :attr:`written` list)."""
        sub = FolderWriter(self.staging / name, self.final / name)
        sub.staging.mkdir(parents=True, exist_ok=True)
        sub.written = self.written
        return sub


def _marked(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    for name in LEGACY_MARKERS:
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("versions"), dict) and "sopopt" in data["versions"]:
            return True
    return False


def is_own_folder(folder: Path) -> bool:
    """True for a folder sopopt wrote (it holds :data:`MARKER`, or the ``run.json`` or
    ``hedge.json`` of an older sopopt)."""
    return folder.is_dir() and not folder.is_symlink() and _marked(folder)


def check_replaceable(folder: Path, option: str = "--out") -> None:
    """Raise :class:`OutputError` unless ``folder`` may be (re)written whole: absent,
    empty, or sopopt's own. Commands call it before they start working (a new write
    begins: :func:`was_swapped_in` is False for it until it is swapped in)."""
    folder = Path(folder)
    _swapped.discard(folder.resolve())
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise OutputError(display_path(folder), "it is a file, not a folder")
    try:
        empty = not any(folder.iterdir())
    except OSError as exc:
        raise output_error(folder, exc) from None
    if not empty and not is_own_folder(folder):
        raise OutputError(
            display_path(folder),
            f"it exists and is not a sopopt result folder (no {MARKER} or run.json); not replacing it: "
            f"choose another {option} folder",
        )


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a few renames, so a stop cannot fall between them:
    a stop sent meanwhile (to any thread) is noted and handed to the usual handler once
    they are done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda number, _frame: pending.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            handler = previous[pending[0]]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(pending[0])


def _remove_tree(path: Path) -> None:
    """Delete a staging or an old folder with stop signals held. ``shutil.rmtree`` closes
    each folder's descriptor and then notes that it did; a stop raised in between makes it
    close the descriptor again, so the stop came out as "Bad file descriptor" (exit 5).
    Held, a stop (a second Ctrl-C during the clean-up of the first) comes after it."""
    with _signals_held():
        shutil.rmtree(path, ignore_errors=True)


def _sibling(folder: Path, kind: str) -> Path:
    """A new hidden, uniquely named, empty folder beside ``folder`` (usual permissions)."""
    while True:
        path = folder.parent / f".{folder.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _swap_in(new: Path, folder: Path) -> None:
    """Put ``new`` in the place of ``folder``: old aside, new in, old deleted (the caller
    holds signals, so the folder is old or new and nothing is left beside it)."""
    old = None
    if folder.exists():
        old = _sibling(folder, "old")
        os.replace(folder, old / folder.name)
    os.replace(new, folder)
    _swapped.add(folder.resolve())
    for hook in SWAP_HOOKS["after"]:
        hook(folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # signals held by the caller (see _remove_tree)


def _lock(folder: Path) -> Any:
    from filelock import FileLock

    lock = FileLock(str(folder.parent / f".{folder.name}.lock"), timeout=LOCK_TIMEOUT)
    try:
        fault_point(lock.lock_file)
        lock.acquire()
    except TimeoutError:
        raise OutputError(display_path(folder), "another run is writing it; gave up waiting") from None
    except OSError as exc:
        raise output_error(folder, exc) from None
    return lock


@contextlib.contextmanager
def replacing_folder(folder: Path, kind: str = "result", option: str = "--out") -> Iterator[FolderWriter]:
    """Write a whole folder: yields a :class:`FolderWriter` on a new empty sibling folder
    and, once the block succeeds, swaps it in as ``folder`` under the lock (refused unless
    the folder is sopopt's own, see :func:`check_replaceable`). ``kind`` is recorded in
    the folder's :data:`MARKER`.

    Raises:
        OutputError: ``folder`` is not sopopt's own, the lock was not released within
            :data:`LOCK_TIMEOUT` seconds, or an OS error (disk full, permission denied).
    """
    folder = Path(folder)
    make_folder(folder.parent)
    lock = _lock(folder)
    try:
        check_replaceable(folder, option)
        try:
            new = _sibling(folder, "new")
        except OSError as exc:
            raise output_error(folder, exc) from None
        try:
            writer = FolderWriter(new, folder)
            yield writer
            fault_point(folder / MARKER)
            (new / MARKER).write_text(json_text({"written_by": "sopopt", "kind": kind}), encoding="utf-8")
            for hook in SWAP_HOOKS["before"]:
                hook(folder)
            with _signals_held():
                _swap_in(new, folder)
                lock.release()
        except OSError as exc:
            raise output_error(folder, exc) from None
        finally:
            _remove_tree(new)
    finally:
        lock.release()


@contextlib.contextmanager
def reading_folder(folder: Path) -> Iterator[None]:
    """Hold the folder's lock while reading it, so no writer swaps it mid-read. A folder
    no writer has locked (no lock file beside it) or whose lock cannot be opened (a
    read-only location) is read without one."""
    from filelock import FileLock

    path = folder.parent / f".{folder.name}.lock"
    lock = FileLock(str(path), timeout=LOCK_TIMEOUT)
    try:
        if not path.exists():
            raise FileNotFoundError(path)
        lock.acquire()
    except (OSError, TimeoutError):
        yield
        return
    try:
        yield
    finally:
        lock.release()


def check_file_target(path: Path, option: str = "--out") -> None:
    """Raise :class:`OutputError` unless ``path`` can be written as a file (it is not a
    folder, and no part of its folder is a file). Commands call it before they start
    working; an existing file is replaced whole when the command succeeds."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(display_path(path), f"it is a folder, not a file: give {option} a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(display_path(path), f"'{display_path(parent)}' is a file, not a folder")
            break
