"""Builders for batch inputs: JSON Lines archives made from the bundled examples, and the same
documents as files with a manifest, so that `extract` (files only) can read what `batch` reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from aidtrace.batch.cli import batch

BAD_LINE = "{this is not json"


def example_rows(
    examples: Path, *, prefix: str, count: int | None = None
) -> list[tuple[Path, dict[str, Any]]]:
    """(example file, archive row) for the first `count` text and HTML examples."""
    manifest = {}
    for line in (examples / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        manifest[row["doc_id"]] = row
    files = [p for p in sorted(examples.iterdir()) if p.suffix in (".txt", ".md", ".html")][:count]
    rows = []
    for path in files:
        meta = {k: v for k, v in manifest.get(path.stem, {}).items() if k != "doc_id"}
        fmt = "html" if path.suffix == ".html" else "text"
        text = path.read_text(encoding="utf-8")
        rows.append((path, {"doc_id": f"{prefix}{path.stem}", "text": text, "format": fmt, **meta}))
    return rows


def write_archive(path: Path, rows: list[dict[str, Any]], *, bad_line: bool = False) -> Path:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    if bad_line:
        lines.insert(1, BAD_LINE)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_as_files(folder: Path, rows: list[tuple[Path, dict[str, Any]]]) -> Path:
    """The archive's documents as files named by doc_id, their metadata in manifest.jsonl."""
    folder.mkdir()
    manifest = []
    for path, row in rows:
        (folder / f"{row['doc_id']}{path.suffix}").write_text(row["text"], encoding="utf-8")
        manifest.append(json.dumps({k: v for k, v in row.items() if k not in ("text", "format")}))
    (folder / "manifest.jsonl").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return folder


def run_batch_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(batch, [str(a) for a in args])


def read_lines(folder: Path, kind: str) -> list[str]:
    """Every line of one kind of partition file, in partition order."""
    return [
        line
        for path in sorted(folder.glob(f"part-*.{kind}.jsonl"))
        for line in path.read_text("utf-8").splitlines()
    ]


def sorted_records(lines: list[str]) -> list[str]:
    return sorted(json.dumps(json.loads(line), sort_keys=True) for line in lines)


def folder_files(folder: Path) -> dict[str, bytes]:
    """The partition files of a batch folder by name (the job file holds times and paths)."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("part-*.jsonl"))}
