"""Document metadata from manifests: JSON Lines of doc_id, title, publisher, url, published.

A row applies to the file whose stem equals its `doc_id`, or to the file its `path` names
(relative to the manifest), in which case `doc_id` may differ from the stem. A manifest given
with --manifest applies everywhere; otherwise `manifest.jsonl` beside a document applies to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aidtrace.errors import ConfigError

MANIFEST_NAME = "manifest.jsonl"
FIELDS = ("doc_id", "title", "publisher", "url", "published")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """Parse a manifest file; a bad line raises ConfigError naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the manifest ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: the manifest is not valid UTF-8 (byte {err.start})") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(
                f"{path}:{number}: not a JSON object ({err.msg}); each line must be one object "
                'such as {"doc_id": "a1", "published": "2024-02-22"}'
            ) from None
        if not isinstance(row, dict) or not (row.get("doc_id") or row.get("path")):
            raise ConfigError(f"{path}:{number}: each line needs a 'doc_id' (or 'path') field")
        published = row.get("published")
        if published is not None and not (isinstance(published, str) and _DATE.fullmatch(published)):
            raise ConfigError(f"{path}:{number}: 'published' is {published!r}; write it as YYYY-MM-DD")
        rows.append(row)
    return rows


class Manifest:
    """Metadata lookup for documents: explicit manifest first, then one found beside them."""

    def __init__(self, explicit: Path | None = None) -> None:
        self._by_stem: dict[str, dict[str, Any]] = {}
        self._by_path: dict[Path, dict[str, Any]] = {}
        self._loaded: set[Path] = set()
        self._explicit: set[Path] = set()
        if explicit is not None:
            if not explicit.is_file():
                raise ConfigError(f"{explicit}: manifest not found; check the --manifest path")
            self._load(explicit, explicit=True)

    def lookup(self, file: Path) -> dict[str, Any]:
        """The manifest row for a document file (empty when none applies)."""
        beside = file.parent / MANIFEST_NAME
        if beside.is_file():
            self._load(beside, explicit=False)
        row = self._by_path.get(file.resolve()) or self._by_stem.get(file.stem) or {}
        return {key: row.get(key) for key in FIELDS if row.get(key) is not None}

    def _load(self, path: Path, *, explicit: bool) -> None:
        resolved = path.resolve()
        if resolved in self._loaded:
            return
        self._loaded.add(resolved)
        for row in read_manifest(path):
            if row.get("path"):
                self._by_path.setdefault((path.parent / row["path"]).resolve(), row)
            elif explicit or str(row["doc_id"]) not in self._by_stem:
                # an explicit manifest wins over one found beside the documents
                self._by_stem[str(row["doc_id"])] = row
