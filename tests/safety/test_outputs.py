"""Atomic outputs: a file is written whole or not at all, never over an input."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

import pytest

from iiprules import exitcodes, outputs
from iiprules.outputs import AtomicFile, OutputError, OutputInterrupted


def test_exit_code_table() -> None:
    """The exit codes are the documented ones, and 70 is only for bugs."""
    assert (0, 1, 2, 130) == (
        exitcodes.OK,
        exitcodes.FAILED,
        exitcodes.BAD_INPUT,
        exitcodes.INTERRUPTED,
    )
    assert [0, 1, 2, 130, 70] == [code for code, _ in exitcodes.TABLE]


def test_success_replaces_the_file(tmp_path: Path) -> None:
    """A finished write replaces the previous content and leaves no temporary file."""
    out = tmp_path / "out.txt"
    out.write_text("old")
    outputs.write_text(out, "new")
    assert "new" == out.read_text()
    assert ["out.txt"] == sorted(p.name for p in tmp_path.iterdir())


def test_failure_keeps_the_previous_file(tmp_path: Path) -> None:
    """An exception while writing leaves the previous file byte for byte, and no temp file."""
    out = tmp_path / "out.txt"
    out.write_bytes(b"previous\n")
    with pytest.raises(RuntimeError), AtomicFile(out) as f:
        f.write(b"partial")
        raise RuntimeError("boom")
    assert b"previous\n" == out.read_bytes()
    assert ["out.txt"] == sorted(p.name for p in tmp_path.iterdir())


def test_interrupt_keeps_the_previous_file(tmp_path: Path) -> None:
    """Ctrl-C while writing becomes OutputInterrupted naming the output; the file is intact."""
    out = tmp_path / "out.txt"
    out.write_bytes(b"previous\n")
    with pytest.raises(OutputInterrupted) as info, AtomicFile(out) as f:
        f.write(b"partial")
        raise KeyboardInterrupt
    assert str(out) == info.value.path
    assert b"previous\n" == out.read_bytes()


def test_sigterm_while_writing_is_an_interrupt(tmp_path: Path) -> None:
    """SIGTERM during a write is handled like Ctrl-C, and the handler is restored after."""
    out = tmp_path / "out.txt"
    out.write_bytes(b"previous\n")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(OutputInterrupted), AtomicFile(out) as f:
        f.write(b"partial")
        os.kill(os.getpid(), signal.SIGTERM)
    assert b"previous\n" == out.read_bytes()
    assert before == signal.getsignal(signal.SIGTERM)


def test_symlink_is_written_through(tmp_path: Path) -> None:
    """Writing a symlink writes its target; the link stays a link."""
    target = tmp_path / "real.rules"
    target.write_text("old")
    link = tmp_path / "link.rules"
    link.symlink_to(target)
    outputs.write_text(link, "new")
    assert link.is_symlink()
    assert "new" == target.read_text()


def test_permissions_are_kept(tmp_path: Path) -> None:
    """A rewritten file keeps its permission bits (not mkstemp's 0600)."""
    out = tmp_path / "out.txt"
    out.write_text("old")
    out.chmod(0o640)
    outputs.write_text(out, "new")
    assert 0o640 == stat.S_IMODE(out.stat().st_mode)


def test_new_file_gets_umask_permissions(tmp_path: Path) -> None:
    """A new file is readable as any file the user creates, not private to the owner."""
    out = tmp_path / "new.txt"
    outputs.write_text(out, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert 0o666 & ~mask == stat.S_IMODE(out.stat().st_mode)


def test_a_users_tmp_file_is_left_alone(tmp_path: Path) -> None:
    """The user's own NAME.tmp is neither consumed nor overwritten."""
    out = tmp_path / "a.rules"
    out.write_text("old")
    mine = tmp_path / "a.rules.tmp"
    mine.write_text("my notes")
    outputs.write_text(out, "new")
    assert "my notes" == mine.read_text()
    assert "new" == out.read_text()


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_output_that_is_an_input_is_refused(tmp_path: Path, how: str) -> None:
    """An output naming an input (directly, through a symlink or a hard link) is refused."""
    src = tmp_path / "in.jsonl"
    src.write_text("data\n")
    out = tmp_path / "out.jsonl"
    if how == "same":
        out = src
    elif how == "symlink":
        out.symlink_to(src)
    else:
        os.link(src, out)
    with pytest.raises(OutputError, match="is also an input"):
        AtomicFile(out, inputs=[src])
    assert "data\n" == src.read_text()


def test_missing_folder_and_folder_target(tmp_path: Path) -> None:
    """A missing folder or a folder given as the file: one clear OutputError line."""
    with pytest.raises(OutputError, match="does not exist"):
        AtomicFile(tmp_path / "nope" / "out.jsonl")
    with pytest.raises(OutputError, match="is a folder"):
        AtomicFile(tmp_path)


def test_special_file_is_written_directly() -> None:
    """/dev/null is written, not renamed over."""
    outputs.write_text("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_full_disk_is_an_output_error() -> None:
    """A full disk (ENOSPC, as /dev/full gives) is an OutputError, not an internal error."""
    if not os.path.exists("/dev/full"):  # pragma: no cover - Linux has it
        pytest.fail("this test needs /dev/full")
    with pytest.raises(OutputError, match="disk is full"):
        outputs.write_bytes("/dev/full", b"x" * 100_000)


def test_folder_outputs(tmp_path: Path) -> None:
    """A folder output naming a file is refused; a non-empty one only when asked."""
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        outputs.prepare_folder(f)
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.yaml").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        outputs.prepare_folder(d, empty=True)
    assert d == outputs.prepare_folder(d)


def test_new_folder_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    """An interrupted new folder leaves nothing behind; a finished one appears."""
    d = tmp_path / "pop"
    with pytest.raises(OutputInterrupted), outputs.new_folder(d) as temp:
        (temp / "a.yaml").write_text("x")
        raise KeyboardInterrupt
    assert [] == list(tmp_path.iterdir())
    with outputs.new_folder(d) as temp:
        (temp / "a.yaml").write_text("x")
    assert ["a.yaml"] == [p.name for p in d.iterdir()]
