"""A disk that fails on demand, for the storage-error tests."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

import pytest

from pidgin_tui.record import jsonl, manifest


class FailingDisk:
    """Lets `ok_writes` JSONL lines through, then fails every write with `error`.

    The failing line is half-written first, as a full disk does; manifest writes fail from the
    same moment. `heal()` frees the space again.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ok_writes: int | None = None
        self.error = errno.ENOSPC
        self.failed_at: int | None = None
        self.lines = 0
        real_append, real_manifest = jsonl.append_bytes, manifest.write_json_atomic

        def append_bytes(fd: int, data: bytes) -> None:
            self.lines += 1
            if self.failing:
                if self.failed_at is None:
                    self.failed_at = self.lines
                    real_append(fd, data[: len(data) // 2])
                raise OSError(self.error, os.strerror(self.error))  # as os.write: no name
            real_append(fd, data)

        def write_json_atomic(path: os.PathLike[str], data: dict[str, object]) -> None:
            if self.failing:
                raise OSError(self.error, os.strerror(self.error), str(path))
            real_manifest(path, data)  # type: ignore[arg-type]

        monkeypatch.setattr(jsonl, "append_bytes", append_bytes)
        monkeypatch.setattr(manifest, "write_json_atomic", write_json_atomic)

    @property
    def failing(self) -> bool:
        return self.ok_writes is not None and self.lines > self.ok_writes

    def fail_after(self, lines: int, error: int = errno.ENOSPC) -> None:
        self.ok_writes, self.error, self.lines = lines, error, 0

    def heal(self) -> None:
        self.ok_writes = None


@pytest.fixture
def failing_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[FailingDisk]:
    yield FailingDisk(monkeypatch)
