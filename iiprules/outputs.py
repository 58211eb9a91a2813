"""Every file iiprules writes goes through here: whole or not at all, never over an input.

Input → output: a path to write (and the inputs of the run) → a file object
writing a temporary file beside the target, renamed over the target only when
everything was written. Why each rule:

* **Temporary file beside the target, then rename.** ``os.replace`` within one
  folder is atomic on POSIX and Windows, so a reader sees the previous file or
  the new one, never half of one; a failing or interrupted run leaves the
  previous file byte for byte. The temporary name is unique (``mkstemp``), so
  a user's own ``NAME.tmp`` is never consumed or clobbered.
* **Symlinks are written through** to their target (the link stays a link), and
  an existing file keeps its permission bits; a new file gets the usual
  ``0o666 & ~umask`` rather than ``mkstemp``'s private ``0o600``.
* **Special files** (``/dev/null``, a FIFO, a terminal) cannot be renamed over;
  they are written directly.
* **An output that is an input is refused before anything is opened** (same
  file, through a symlink or a hard link): otherwise the run reads an empty
  file and "succeeds".
* **SIGTERM behaves like Ctrl-C** while an output is being written (when the
  process would otherwise die at once), so the temporary file is removed and
  the caller can say "interrupted; OUT not written".
* Problems with the output are the user's input: ``OutputError``, one line,
  exit code 2 — not an internal error.

Standard library only (``tempfile``, ``os``, ``signal``): nothing here needs more.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

import attrs

__all__ = [
    "AtomicFile",
    "OutputError",
    "OutputInterrupted",
    "check_folder",
    "check_output",
    "new_folder",
    "prepare_folder",
    "same_file",
    "write_bytes",
    "write_text",
]

PathLike = str | os.PathLike[str]


@attrs.define(auto_exc=True)
class OutputError(ValueError):
    """An output cannot be written where asked (the user's input, exit code 2).

    ``str()`` is one line: ``PATH: what is wrong``.
    """

    message: str
    path: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class OutputInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM while ``path`` was being written; it was left as it was.

    A ``KeyboardInterrupt``, so code that already handles Ctrl-C still does.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


#: ``errno`` values that mean "this output cannot be written", with the words a user reads.
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file would be too large for this file system",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "input/output error",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0) or (exc.strerror or exc.__class__.__name__)


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether two paths name the same file (through symlinks and hard links).

    Hard links share a device and inode; a path that does not exist yet is
    compared by its resolved name.
    """
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _target(path: PathLike) -> Path:
    """Where writing ``path`` lands: through symlinks, so a link stays a link."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def check_output(path: PathLike, inputs: Iterable[PathLike] = ()) -> Path:
    """Refuse an output that cannot be written, or that is one of the run's inputs.

    Call it before opening any input, so a refused run has touched nothing.

    Args:
        path: the output file asked for.
        inputs: files (or folders) the run reads.

    Returns:
        The file that will really be written (a symlink's target).

    Raises:
        OutputError: the output is an input (or inside an input folder), is a
            folder, or its folder does not exist or is not a folder.
    """
    shown = str(path)
    target = _target(path)
    for given in inputs:
        if str(given) == "-":
            continue
        if same_file(target, given):
            raise OutputError(
                f"is also an input ({given}); write the output to another file", shown
            )
    if target.is_dir():
        raise OutputError("is a folder; give a file name", shown)
    parent = target.parent
    if not parent.exists():
        raise OutputError(f"the folder {parent} does not exist", shown)
    if not parent.is_dir():
        raise OutputError(f"{parent} is not a folder", shown)
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _new_file_mode() -> int:
    return 0o666 & ~_umask()


class AtomicFile:
    """A file written beside its target and renamed over it on success.

    Use it as a context manager (commit on success, discard on any exception)::

        with AtomicFile("out.csv", inputs=["population.csv"]) as f:
            f.write(b"...")

    ``temp`` is the temporary path, for libraries that want a file name
    (``pyarrow.parquet.ParquetWriter``); ``file`` the open binary file.
    """

    def __init__(self, path: PathLike, inputs: Iterable[PathLike] = ()) -> None:
        """Check the output (see ``check_output``); nothing is created yet.

        Raises:
            OutputError: the output cannot be written where asked.
        """
        self.shown = str(path)
        self.target = check_output(path, inputs)
        self.temp: str | None = None
        self.file: IO[bytes] | None = None
        self._direct = self.target.exists() and not stat.S_ISREG(self.target.stat().st_mode)
        self._sigterm = _SigtermGuard()

    # -- the life of the file -------------------------------------------------------

    def open(self) -> IO[bytes]:
        """Create the temporary file (or open a special file) and return it, binary.

        Raises:
            OutputError: the temporary file cannot be created.
        """
        self._sigterm.catch()
        try:
            if self._direct:
                self.file = open(self.target, "wb")  # closed in commit/discard
            else:
                fd, self.temp = tempfile.mkstemp(
                    prefix=f".{self.target.name}.", suffix=".iiprules-tmp", dir=self.target.parent
                )
                self.file = os.fdopen(fd, "wb")
        except OSError as exc:
            self._sigterm.release()
            raise OutputError(f"cannot write it ({_reason(exc)})", self.shown) from None
        return self.file

    def commit(self) -> None:
        """Flush, sync and rename the temporary file over the target.

        Raises:
            OutputError: the data cannot be written (a full disk, say); the
                previous file is left as it was.
        """
        try:
            if self.file is not None:
                self.file.flush()
                if self.temp is not None:
                    os.fsync(self.file.fileno())
                self.file.close()
            if self.temp is not None:
                mode = (
                    stat.S_IMODE(self.target.stat().st_mode)
                    if self.target.exists()
                    else _new_file_mode()
                )
                os.chmod(self.temp, mode)
                os.replace(self.temp, self.target)
                self.temp = None
        except OSError as exc:
            self.discard()
            raise OutputError(f"cannot write it ({_reason(exc)})", self.shown) from None
        finally:
            self._sigterm.release()

    def discard(self) -> None:
        """Close and remove the temporary file; the target is left as it was."""
        try:
            if self.file is not None and not self.file.closed:
                with contextlib.suppress(OSError):
                    self.file.close()
            if self.temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self.temp)
                self.temp = None
        finally:
            self._sigterm.release()

    def __enter__(self) -> IO[bytes]:
        return self.open()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.commit()
            return
        self.discard()
        translated = self.translate(exc)
        if translated is not exc:
            raise translated from None

    def translate(self, exc: BaseException) -> BaseException:
        """The error to report for ``exc`` raised while writing: interrupts and disk errors."""
        if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, OutputInterrupted):
            return OutputInterrupted(self.shown)
        if isinstance(exc, OSError) and exc.errno in _REASONS and not isinstance(
            exc, FileNotFoundError
        ):
            return OutputError(f"cannot write it ({_reason(exc)})", self.shown)
        return exc


class _SigtermGuard:
    """SIGTERM raises ``KeyboardInterrupt`` while an output is being written.

    Only where the process would otherwise die on the spot (the default
    handler, in the main thread): a program that installed its own handler
    keeps it.
    """

    def __init__(self) -> None:
        self._old: Any = None

    def catch(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._old = signal.signal(signal.SIGTERM, _raise_interrupt)

    def release(self) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
            self._old = None


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def write_bytes(path: PathLike, data: bytes, inputs: Iterable[PathLike] = ()) -> None:
    """Write a whole file atomically (see ``AtomicFile``).

    Raises:
        OutputError: the output cannot be written, or is an input.
        OutputInterrupted: interrupted; the previous file is intact.
    """
    with AtomicFile(path, inputs) as f:
        f.write(data)


def write_text(path: PathLike, text: str, inputs: Iterable[PathLike] = ()) -> None:
    """Write a whole UTF-8 text file atomically, newlines as given (see ``AtomicFile``).

    Raises:
        OutputError: the output cannot be written, or is an input.
        OutputInterrupted: interrupted; the previous file is intact.
    """
    write_bytes(path, text.encode("utf-8"), inputs)


def check_folder(path: PathLike) -> Path:
    """Refuse a folder output that names a file, before any work is done.

    Raises:
        OutputError: ``path`` exists and is not a folder.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputError("is a file; give a folder", str(path))
    return p


def prepare_folder(path: PathLike, *, empty: bool = False) -> Path:
    """Check (and create) a folder that files will be written into.

    Args:
        path: the folder.
        empty: refuse a folder that already has files in it, so two runs'
            files are never mixed (the caller may offer ``--force``).

    Returns:
        The folder, created (with its parents) when missing.

    Raises:
        OutputError: it is a file, it has files in it (with ``empty``), or it
            cannot be created.
    """
    shown = str(path)
    p = check_folder(path)
    if empty and p.is_dir() and any(p.iterdir()):
        raise OutputError(
            "is not empty; give a new or empty folder (or --force to write into it)", shown
        )
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder ({_reason(exc)})", shown) from None
    return p


@contextlib.contextmanager
def new_folder(path: PathLike) -> Iterator[Path]:
    """A folder that appears whole or not at all: built beside ``path``, renamed at the end.

    For a folder that does not exist yet. Interrupted or failing, it leaves
    nothing behind.

    Raises:
        OutputError: ``path`` exists, or its parent does not.
        OutputInterrupted: interrupted; nothing was written.
    """
    shown = str(path)
    p = Path(path)
    if p.exists():
        raise OutputError("already exists", shown)
    parent = p.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"the folder {parent} does not exist", shown)
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{p.name}.", suffix=".iiprules-tmp", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create the folder ({_reason(exc)})", shown) from None
    guard = _SigtermGuard()
    try:
        guard.catch()
        yield temp
        os.chmod(temp, 0o777 & ~_umask())  # mkdtemp's 0o700 is for secrets, not outputs
        os.rename(temp, p)
    except BaseException as exc:
        import shutil

        shutil.rmtree(temp, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, OutputInterrupted):
            raise OutputInterrupted(shown) from None
        if isinstance(exc, OSError) and exc.errno in _REASONS:
            raise OutputError(f"cannot write it ({_reason(exc)})", shown) from None
        raise
    finally:
        guard.release()
