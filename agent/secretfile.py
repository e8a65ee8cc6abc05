"""A secret value: literal (from the environment) or read from a file, re-read when it changes.

Mounted Kubernetes Secrets and projected service-account tokens are replaced on rotation;
re-reading the file when its inode, size or modification time changes picks the new value up
without a restart. ``repr`` never shows the value, and no error raised here contains it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from agent.errors import SecretUnavailable


class Secret:
    """A secret value, literal or from a file."""

    def __init__(self, *, value: str | None = None, path: Path | None = None) -> None:
        if (value is None) == (path is None):
            raise ValueError("a secret is either a value or a file")
        self._value = value
        self.path = path.expanduser() if path is not None else None
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: str | None, path: Path | None) -> Secret | None:
        """The secret from ``path`` if given, else ``value``; ``None`` when neither is set."""
        if path is not None:
            return cls(path=path)
        return cls(value=value) if value is not None else None

    def __repr__(self) -> str:
        return f"Secret(path={self.path!s})" if self.path else "Secret(<from environment>)"

    def get(self, what: str = "secret file") -> str:
        """The current value; a file is re-read when it changed.

        Raises:
            SecretUnavailable: the file cannot be read (named; its content is never shown).
        """
        if self.path is None:
            assert self._value is not None
            return self._value
        with self._lock:
            try:
                info = os.stat(self.path)
                stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
                if stamp != self._stamp or self._value is None:
                    self._value = self.path.read_text(encoding="utf-8").strip()
                    self._stamp = stamp
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                raise SecretUnavailable(f"cannot read {what} {self.path}: {reason}") from None
            return self._value
