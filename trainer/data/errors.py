"""The one exception the data layer raises for anything wrong with a dataset on disk.

Callers (the CLI, the search) catch a single type and show its message as is, so every message
is one line that either names the offending file and what is wrong with it, or, when nothing was
found, says where the loader looked and how to get the data.
"""

from __future__ import annotations

from pathlib import Path


class DatasetError(Exception):
    """A dataset is missing, truncated, corrupt or not what its name claims.

    ``path`` is the file or folder concerned when there is one, so that programs can act on it
    (for example offer to delete a bad cache entry) without parsing the message.
    """

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        # One line, always: multi-line messages get mangled by log collectors and Ray.
        super().__init__(" ".join(message.split()))
        self.path = Path(path) if path is not None else None
