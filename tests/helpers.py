"""Builders for test inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aidtrace.model import Document, Record, Span
from aidtrace.store import Store, writes


def make_doc(text: str, *, published: str | None = "2024-02-22", doc_id: str = "t") -> Document:
    return Document(doc_id=doc_id, text=text, published=published)


def write_pdf(path: Path, paragraphs: list[str]) -> None:
    """A small text-layer PDF, wrapped by reportlab like a real report."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(p, styles["Normal"]) for p in paragraphs])


def sentence_document(
    doc_id: str, sentences: list[list[dict[str, Any]]], *, published: str = "2024-03-15"
) -> tuple[Document, list[Record]]:
    """A document of numbered sentences and its records: `sentences[i]` lists the records of
    sentence i as Record fields (donor, type, amount, ...); several donors in one sentence
    with one figure are a joint figure. Defaults: aid from JPN to Ukraine."""
    text, records = "", []
    for number, specs in enumerate(sentences):
        sentence = f"Sentence {number} of {doc_id} reports support."
        evidence = Span(start=len(text), end=len(text) + len(sentence), text=sentence)
        text += sentence + " "
        for spec in specs:
            fields = {"type": "aid", "donor": "JPN", "recipient": "UKR", **spec}
            records.append(Record(doc_id=doc_id, evidence=evidence, **fields))
    return Document(doc_id=doc_id, text=text, published=published, format="text"), records


def store_document(store: Store, doc: Document, records: list[Record]) -> None:
    """Save a document and its records as ingest does (text first, then records)."""
    digest = writes.content_hash(doc) + str(hash(tuple(records)))
    writes.save_document(store, doc, digest=digest, run_id="test")
    writes.replace_records(store, doc, records, run_id="test", extractor="test")
