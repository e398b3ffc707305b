"""The quality gate: extractor scores on the development corpus and on our own test corpus
must not fall below tests/quality/floors.json. Floors only rise (`--update-floors` is not
offered on purpose: raise them by hand in the commit that earns it, and say so).

Both sets are scored with ../shared/eval/score.py, the scorer the maintainers use; the
tests skip with a reason when ../shared is absent.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from aidtrace.api import extract_paths

HERE = Path(__file__).resolve().parent
FLOORS = json.loads((HERE / "floors.json").read_text(encoding="utf-8"))
EPSILON = 0.005  # rounding in the scorer's report


def load_scorer(shared: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("aidtrace_score", shared / "eval" / "score.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(shared: Path, corpus: Path, manifest: Path, tmp_path: Path) -> dict:
    results = extract_paths([corpus / "docs"], manifest=manifest)
    assert not [r.failure for r in results if r.failure]
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        "".join(json.dumps(rec.to_dict()) + "\n" for r in results for rec in r.records), encoding="utf-8"
    )
    report, _errors = load_scorer(shared).score(corpus, pred)
    return report


def breakdown(name: str, report: dict) -> str:
    """Per-type P/R/F1 and attribute accuracy, one line each."""
    types = "  ".join(
        f"{kind} {v['precision']:.2f}/{v['recall']:.2f}/{v['f1']:.2f}"
        for kind, v in report["per_type"].items()
    )
    attributes = "  ".join(f"{k} {v:.2f}" for k, v in report["attribute_accuracy"].items() if v is not None)
    return (
        f"{name}: records F1 {report['records']['f1']:.3f}, strict {report['strict']['f1']:.3f}\n"
        f"  per type (P/R/F1): {types}\n  attributes: {attributes}"
    )


@pytest.mark.parametrize("name", ["dev", "own", "fresh"])
def test_quality_does_not_fall_below_floors(shared, tmp_path, name):
    if name == "dev":
        corpus, manifest = shared / "corpus" / "dev", shared / "corpus" / "dev" / "manifest.jsonl"
    else:
        corpus, manifest = HERE / name, HERE / name / "manifest.jsonl"
    report = score(shared, corpus, manifest, tmp_path)
    print(breakdown(name, report))  # noqa: T201 (shown with -s; the failures carry it too)
    floors = FLOORS[name]
    got = {
        "records_f1": report["records"]["f1"],
        "strict_f1": report["strict"]["f1"],
        "false_positives_on_negative_docs": report["false_positives_on_negative_docs"],
    }
    assert got["records_f1"] >= floors["records_f1"] - EPSILON, breakdown(name, report)
    assert got["strict_f1"] >= floors["strict_f1"] - EPSILON, breakdown(name, report)
    assert got["false_positives_on_negative_docs"] <= floors["false_positives_on_negative_docs"], got


def test_own_corpus_is_complete_and_consistent():
    own = HERE / "own"
    manifest = [
        json.loads(line) for line in (own / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    ids = {row["doc_id"] for row in manifest}
    assert (
        ids
        == {p.stem for p in (own / "docs").glob("*.txt")}
        == {p.stem for p in (own / "gold").glob("*.json")}
    )
    golds = [json.loads((own / "gold" / f"{i}.json").read_text(encoding="utf-8")) for i in sorted(ids)]
    negatives = [g for g in golds if not g["records"]]
    donors = {r["donor"] for g in golds for r in g["records"]} - {"JPN", "EU"}
    units = {r["amount"]["unit"] for g in golds for r in g["records"] if r["amount"]}
    types = {r["type"] for g in golds for r in g["records"]}
    assert len(ids) >= 40
    assert len(negatives) >= 10
    assert len(donors) >= 12
    assert {"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "NOK", "SEK", "PLN", "KRW"} <= units
    assert types == {"aid", "sanction", "refugees", "agreement", "diplomacy"}
    assert any(r["aggregate"] and r["period"] for g in golds for r in g["records"])
    for gold in golds:
        text = (own / "docs" / f"{gold['doc_id']}.txt").read_text(encoding="utf-8")
        for record in gold["records"]:
            assert record["evidence"] in text, (gold["doc_id"], record["evidence"][:60])


def test_dev_articles_are_not_copied_into_the_repository(shared):
    ours = {
        p.read_text(encoding="utf-8")[:200]
        for p in (HERE.parents[1]).rglob("*.txt")
        if ".venv" not in p.parts
    }
    for article in (shared / "corpus" / "dev" / "docs").glob("*.txt"):
        assert article.read_text(encoding="utf-8")[:200] not in ours, article.name


def test_reconciliation_does_not_fall_below_floors(shared, tmp_path):
    """Dev, own and fresh sets ingested together (as the maintainers do), link F1 per set."""
    from aidtrace.pipeline import ingest
    from aidtrace.queries import record_dicts
    from aidtrace.reconcile import reconcile
    from aidtrace.store import open_store

    corpora = {"dev": shared / "corpus" / "dev", "own": HERE / "own", "fresh": HERE / "fresh"}
    with open_store(f"sqlite:///{tmp_path / 'all.db'}") as store:
        for corpus in corpora.values():
            ingest([corpus / "docs"], store, manifest=corpus / "manifest.jsonl")
        reconcile(store)
        records = record_dicts(store)
    pred = tmp_path / "records.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        "aidtrace_score_measures", shared / "eval" / "score_measures.py"
    )
    assert spec
    assert spec.loader
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    for name, corpus in corpora.items():
        docs = scorer.load_corpus(corpus)
        preds = scorer.load_predictions(pred)
        pairs = [
            (golds[j]["measure"], str(preds[doc_id][i].get("measure_id")))
            for doc_id, (text, golds) in docs.items()
            for i, j in scorer.max_matching(preds.get(doc_id, []), golds, text)
        ]
        _precision, _recall, f1, _gold, _pred = scorer.pairwise(pairs)
        assert f1 >= FLOORS[name]["reconcile_links_f1"] - EPSILON, (name, f1)
