"""Who may write, and proof that a form came from our own page.

- API writes carry `Authorization: Bearer <token>`; the token is set in configuration
  (AIDTRACE_TOKEN or `serve --token-file`). No token configured: every write is refused.
  Tokens are compared in constant time.
- The dashboard signs in with the same token and a reviewer name; the session cookie is an
  HMAC-signed, expiring payload (HttpOnly, SameSite=Strict), keyed by the token, so changing
  the token ends every session.
- Forms carry a CSRF token equal to a random per-browser cookie (double submit), checked in
  constant time, on top of SameSite=Strict.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "aidtrace_session"
CSRF_COOKIE = "aidtrace_csrf"
SESSION_SECONDS = 12 * 3600


class Forbidden(Exception):
    """A write without valid credentials (401) or from a forged form (403)."""

    def __init__(self, message: str, *, status: int = 401, code: str = "unauthorized") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class Guard:
    token: str | None  # None: writes are refused
    secret: bytes  # signs sessions; random per process unless configured

    def check_bearer(self, header: str | None) -> None:
        """Raise Forbidden unless `header` is 'Bearer <the configured token>'."""
        if self.token is None:
            raise Forbidden(
                "writes are disabled: no token is configured; set AIDTRACE_TOKEN (or serve --token-file) "
                "and send it as 'Authorization: Bearer <token>'",
                status=403,
                code="writes_disabled",
            )
        scheme, _, given = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not self.token_matches(given.strip()):
            raise Forbidden("a write needs 'Authorization: Bearer <token>' with the configured token")

    def token_matches(self, given: str) -> bool:
        if self.token is None:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    # --- dashboard sessions ------------------------------------------------------------

    def _key(self) -> bytes:
        return hashlib.sha256(self.secret + b"\x00" + (self.token or "").encode("utf-8")).digest()

    def session_cookie(self, reviewer: str, *, now: float | None = None) -> str:
        payload = json.dumps({"name": reviewer, "exp": int((now or time.time()) + SESSION_SECONDS)})
        body = base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii")
        return f"{body}.{self._sign(body)}"

    def reviewer(self, cookie: str | None, *, now: float | None = None) -> str | None:
        """The signed-in reviewer's name, or None for no, forged or expired sessions."""
        if not cookie or self.token is None or "." not in cookie:
            return None
        body, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body.encode("ascii")))
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("exp", 0) < (now or time.time()):
            return None
        name = payload.get("name")
        return name if isinstance(name, str) else None

    def _sign(self, body: str) -> str:
        return hmac.new(self._key(), body.encode("ascii"), hashlib.sha256).hexdigest()


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def check_csrf(cookie: str | None, field: str | None) -> None:
    if not cookie or not field or not hmac.compare_digest(cookie.encode(), field.encode()):
        raise Forbidden(
            "the form's security token is missing or stale; reload the page and submit again",
            status=403,
            code="csrf_failed",
        )
