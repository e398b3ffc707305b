"""The HTTP API and the dashboard (`aidtrace serve`). See app.py for the layout."""

from __future__ import annotations

from fastapi import FastAPI

from aidtrace.web.app import WebConfig, create_app

__all__ = ["WebConfig", "app_from_env", "create_app"]


def app_from_env() -> FastAPI:
    """The application configured by AIDTRACE_* variables (uvicorn's factory for workers)."""
    return create_app(WebConfig.from_env())
