"""Golden files: the records extracted from the bundled example documents, committed.

A diff here is a behaviour change: look at it, and if it is an improvement rewrite the
file with `pytest tests/golden --update-golden` and say why in the commit message.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from aidtrace.api import extract_paths

GOLDEN = Path(__file__).resolve().parent / "examples.records.jsonl"


def test_examples_match_golden_records(update_golden):
    examples = Path(str(resources.files("aidtrace") / "examples"))
    # the top-level examples; the Japan answer-key set (examples/japan) has tests of its own
    files = sorted(p for p in examples.iterdir() if p.suffix in (".txt", ".md", ".html"))
    results = extract_paths(files, manifest=examples / "manifest.jsonl")
    assert [r.failure for r in results if r.failure] == []
    lines = [
        json.dumps(rec.to_dict(), ensure_ascii=False, sort_keys=True) for r in results for rec in r.records
    ]
    if update_golden:
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert lines == expected
