"""Document metadata from manifests: JSON Lines of doc_id, title, publisher, url, published.

A row applies to the file whose stem equals its `doc_id`, or to the file its `path` names
(relative to the manifest), in which case `doc_id` may differ from the stem. Every field is
checked at the door: strings that UTF-8 can store, `published` a real calendar day, and no
doc_id or path on two rows (one document would silently replace the other). A manifest given
with --manifest applies everywhere; otherwise `manifest.jsonl` beside a document applies to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aidtrace.errors import ConfigError
from aidtrace.ingest.fields import date_problem, text_problem

MANIFEST_NAME = "manifest.jsonl"
FIELDS = ("doc_id", "title", "publisher", "url", "published")
MAX_ID = 200  # characters of a doc_id


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """Parse a manifest file; a bad line, or a doc_id or path given twice, raises
    ConfigError naming the file and line(s)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the manifest ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: the manifest is not valid UTF-8 (byte {err.start})") from None
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = _parse_row(line, f"{path}:{number}")
        for key in ("doc_id", "path"):
            if row.get(key) is None:
                continue
            first = seen.setdefault((key, row[key]), number)
            if first != number:
                raise ConfigError(
                    f"{path}:{number}: {key} {row[key]!r} is also on line {first}; each document "
                    "needs its own row, or one document would silently replace the other"
                )
        rows.append(row)
    return rows


def _parse_row(line: str, where: str) -> dict[str, Any]:
    """One manifest line checked at the door: a JSON object of string fields, a real date."""
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as err:
        reason = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
        raise ConfigError(
            f"{where}: not a JSON object ({reason}); each line must be one object "
            'such as {"doc_id": "a1", "published": "2024-02-22"}'
        ) from None
    if not isinstance(row, dict) or not (row.get("doc_id") or row.get("path")):
        raise ConfigError(f"{where}: each line needs a 'doc_id' (or 'path') field")
    for key in (*FIELDS, "path"):
        value = row.get(key)
        if value is None:
            continue
        problem = text_problem(value, limit=MAX_ID if key == "doc_id" else None)
        if problem is None and key == "published":
            problem = date_problem(value)
        if problem is None and key in ("doc_id", "path") and not value.strip():
            problem = "is blank"
        if problem is None and key == "path" and Path(value).is_absolute():
            problem = "is absolute; give the path relative to the manifest"
        if problem is not None:
            raise ConfigError(f"{where}: '{key}' {problem}")
    return row


class Manifest:
    """Metadata lookup for documents: a row naming the file's path first, then the explicit
    manifest's row for its stem, then the row of a manifest beside it (which applies to its
    own folder only). A broken manifest beside documents fails each of them, not the run."""

    def __init__(self, explicit: Path | None = None) -> None:
        self._by_stem: dict[str, dict[str, Any]] = {}
        self._by_path: dict[Path, dict[str, Any]] = {}
        self._beside: dict[Path, dict[str, dict[str, Any]]] = {}  # folder -> stem -> row
        self._broken: dict[Path, ConfigError] = {}
        if explicit is not None:
            if not explicit.is_file():
                raise ConfigError(f"{explicit}: manifest not found; check the --manifest path")
            for row in read_manifest(explicit):
                self._add(explicit, row, self._by_stem)

    def lookup(self, file: Path) -> dict[str, Any]:
        """The manifest row for a document file (empty when none applies)."""
        folder = file.parent.resolve()
        beside = self._beside_rows(folder)
        row = self._by_path.get(file.resolve()) or self._by_stem.get(file.stem) or beside.get(file.stem) or {}
        return {key: row.get(key) for key in FIELDS if row.get(key) is not None}

    def _beside_rows(self, folder: Path) -> dict[str, dict[str, Any]]:
        if folder in self._broken:
            raise self._broken[folder]
        if folder not in self._beside:
            rows: dict[str, dict[str, Any]] = {}
            manifest = folder / MANIFEST_NAME
            if manifest.is_file():
                try:
                    found = read_manifest(manifest)
                except ConfigError as err:
                    self._broken[folder] = err
                    raise
                for row in found:
                    self._add(manifest, row, rows)
            self._beside[folder] = rows
        return self._beside[folder]

    def _add(self, manifest: Path, row: dict[str, Any], by_stem: dict[str, dict[str, Any]]) -> None:
        if row.get("path"):
            self._by_path.setdefault((manifest.parent / row["path"]).resolve(), row)
        else:
            by_stem[str(row["doc_id"])] = row
