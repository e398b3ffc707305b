"""Builders for test inputs."""

from __future__ import annotations

from pathlib import Path

from aidtrace.model import Document


def make_doc(text: str, *, published: str | None = "2024-02-22", doc_id: str = "t") -> Document:
    return Document(doc_id=doc_id, text=text, published=published)


def write_pdf(path: Path, paragraphs: list[str]) -> None:
    """A small text-layer PDF, wrapped by reportlab like a real report."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(p, styles["Normal"]) for p in paragraphs])
