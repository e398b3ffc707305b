"""Settings: one frozen dataclass, loaded once at the edge and passed down.

Precedence: defaults < AIDTRACE_* environment variables < explicit arguments (CLI flags).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from aidtrace.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    max_bytes: int = field(
        default=20_000_000,
        metadata={"help": "Largest input file read, in bytes; larger files fail as oversized."},
    )
    seconds_per_mb: int = field(
        default=30,
        metadata={
            "help": "Time budget of one document, in seconds per megabyte of input (at least one "
            "megabyte's worth); a document over it fails as over budget. 0: no limit."
        },
    )
    memory_mb: int = field(
        default=4096,
        metadata={
            "help": "Memory budget in megabytes: of one document (more than the process holds "
            "when it starts reading it), and of a whole worker process (batch workers, the web "
            "app's extraction worker); a document over it fails as over budget. 0: no limit."
        },
    )
    extractor: str = field(
        default="rules", metadata={"help": "Extractor to run (see aidtrace.extractor.EXTRACTORS)."}
    )

    def digest(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from AIDTRACE_* variables, then explicit overrides (None = not given)."""
    settings = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env = os.environ.get(f"AIDTRACE_{f.name.upper()}")
        if env is not None:
            values[f.name] = _convert(f.name, env, type(getattr(settings, f.name)))
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = replace(settings, **values)
    if settings.max_bytes <= 0:
        raise ConfigError(f"max_bytes must be positive, got {settings.max_bytes}")
    for name in ("seconds_per_mb", "memory_mb"):
        if getattr(settings, name) < 0:
            raise ConfigError(f"{name} must be 0 (no limit) or more, got {getattr(settings, name)}")
    return settings


def _convert(name: str, raw: str, kind: type) -> Any:
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(
                f"AIDTRACE_{name.upper()}={raw!r} is not a whole number; set it to e.g. 1000000"
            ) from None
    return raw
