"""Human corrections to records: which fields a reviewer may change, how a change is checked,
and how it is applied. Pure functions; the store keeps decisions (store/reviews.py) and
applies them again whenever a document is re-extracted (store/writes.py).

A correction is a flat mapping of field to value, relative to the record as extracted:
{"donor": "DEU", "amount_value": 2.5e9}. An empty value clears an optional field.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date
from typing import Any

from aidtrace.errors import InvalidRequest
from aidtrace.model import CATEGORIES, COUNT_UNITS, RECORD_TYPES, STAGES, SUBTYPES, Amount, Record

STATUSES = ("accepted", "corrected", "rejected")
ACTIONS = {"accept": "accepted", "correct": "corrected", "reject": "rejected"}
FIELDS = (
    "type",
    "donor",
    "recipient",
    "category",
    "subtype",
    "stage",
    "aggregate",
    "amount_value",
    "amount_unit",
    "amount_approx",
    "date",
    "channel",
)
_CODE = re.compile(r"[A-Z][A-Z0-9_-]{1,15}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def validate_changes(raw: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a correction; raise InvalidRequest naming the field and the fix."""
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise InvalidRequest(
            f"cannot correct {', '.join(sorted(unknown))}; correctable fields: {', '.join(FIELDS)}"
        )
    changes: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            value = value.strip()
        changes[name] = _CHECKS[name](value)
    return changes


def _code(name: str) -> Any:
    def check(value: Any) -> str:
        code = str(value or "").upper()
        if not _CODE.fullmatch(code):
            raise InvalidRequest(f"{name} {value!r} is not a code; use ISO 3166 alpha-3 (JPN) or a body (EU)")
        return code

    return check


def _choice(name: str, allowed: tuple[str, ...], *, required: bool = False) -> Any:
    def check(value: Any) -> str | None:
        if value in (None, "") and not required:
            return None
        if value not in allowed:
            raise InvalidRequest(f"{name} {value!r} is not one of: {', '.join(allowed)}")
        return str(value)

    return check


def _flag(name: str) -> Any:
    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off", ""):
            return False
        raise InvalidRequest(f"{name} {value!r} is not true or false")

    return check


def _amount_value(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "")) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise InvalidRequest(
            f"amount_value {value!r} is not a number; write it in full, e.g. 4500000000"
        ) from None
    if not math.isfinite(number) or number < 0:
        raise InvalidRequest(f"amount_value {value!r} must be a finite number, 0 or more")
    return number


def _amount_unit(value: Any) -> str | None:
    if value in (None, ""):
        return None
    unit = str(value)
    if unit in COUNT_UNITS or _CURRENCY.fullmatch(unit.upper()):
        return unit if unit in COUNT_UNITS else unit.upper()
    raise InvalidRequest(
        f"amount_unit {value!r} is neither an ISO 4217 currency (USD) nor one of: {', '.join(COUNT_UNITS)}"
    )


def _date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    match = _DATE.fullmatch(text)
    try:
        if not match:
            raise ValueError
        date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        raise InvalidRequest(f"date {value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD") from None
    return text


def _channel(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) > 200:
        raise InvalidRequest("channel is longer than 200 characters; name the channel, not the sentence")
    return text


_CHECKS: dict[str, Any] = {
    "type": _choice("type", RECORD_TYPES, required=True),
    "donor": _code("donor"),
    "recipient": _code("recipient"),
    "category": _choice("category", CATEGORIES),
    "subtype": _choice("subtype", tuple(s for subs in SUBTYPES.values() for s in subs)),
    "stage": _choice("stage", STAGES),
    "aggregate": _flag("aggregate"),
    "amount_value": _amount_value,
    "amount_unit": _amount_unit,
    "amount_approx": _flag("amount_approx"),
    "date": _date,
    "channel": _channel,
}


def apply_changes(record: Record, changes: dict[str, Any]) -> Record:
    """The record with a (validated) correction applied; raise if the result is inconsistent."""
    simple = {k: v for k, v in changes.items() if not k.startswith("amount_")}
    corrected = replace(record, **simple)
    if any(k.startswith("amount_") for k in changes):
        corrected = replace(corrected, amount=_corrected_amount(record.amount, changes))
    if corrected.subtype and corrected.subtype not in SUBTYPES[corrected.type]:
        allowed = ", ".join(SUBTYPES[corrected.type]) or "none"
        raise InvalidRequest(
            f"subtype {corrected.subtype!r} does not belong to type {corrected.type!r} (allowed: {allowed})"
        )
    return corrected


def _corrected_amount(old: Amount | None, changes: dict[str, Any]) -> Amount | None:
    value = changes.get("amount_value", old.value if old else None)
    if value is None:
        return None  # clearing the figure clears the amount
    unit = changes.get("amount_unit") or (old.unit if old else None)
    if unit is None:
        raise InvalidRequest("amount_value needs an amount_unit (a currency such as USD, or e.g. people)")
    approx = changes.get("amount_approx", old.approx if old else False)
    return Amount(value=value, unit=unit, approx=bool(approx))


def changed_fields(record: Record, raw: dict[str, Any]) -> dict[str, Any]:
    """Of a submitted form (every field, most unchanged), only what differs from `record`."""
    current = flat(record)
    checked = validate_changes(raw)
    return {name: value for name, value in checked.items() if current.get(name) != value}


def flat(record: Record) -> dict[str, Any]:
    """A record's correctable fields under their flat names."""
    amount = record.amount
    return {
        "type": record.type,
        "donor": record.donor,
        "recipient": record.recipient,
        "category": record.category,
        "subtype": record.subtype,
        "stage": record.stage,
        "aggregate": record.aggregate,
        "amount_value": amount.value if amount else None,
        "amount_unit": amount.unit if amount else None,
        "amount_approx": amount.approx if amount else False,
        "date": record.date,
        "channel": record.channel,
    }
