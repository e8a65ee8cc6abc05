"""Webhook and approver authentication; every secret comparison is constant-time.

- Alertmanager has no request signing: a bearer token (``http_config.authorization``).
- Grafana: hex HMAC-SHA256 of the body in a configurable header; with a timestamp header (on
  by default) the signed string is ``timestamp:body`` and a timestamp older than the allowed
  skew is refused. Grafana before 12 has no signing: its contact point's ``Authorization``
  header (a bearer token) or HTTP Basic credentials are accepted instead, when configured.
- PagerDuty V3: ``X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`` over the raw body; any of
  several secrets matches (rotation).
- Approvers: bearer tokens of their own, mapped to the approver's identity.

A verifier returns ``None`` when the request is authentic, else an ``AuthFailure``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from agent.config.server import ServerSettings
from agent.errors import ConfigError


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """Why a request was refused: 401 when credentials are missing, 403 when wrong."""

    status: int
    reason: str


Headers = Mapping[str, str]
Verifier = Callable[[Headers, bytes], AuthFailure | None]

_MISSING = 401
_WRONG = 403


def bearer_token(headers: Headers) -> str | None:
    """The token of ``Authorization: Bearer <token>``, if that is what was sent."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches_any(given: str, secrets: list[str]) -> bool:
    # Compare against every secret (no early exit) so timing does not reveal which matched.
    found = False
    for secret in secrets:
        found |= hmac.compare_digest(given.encode(), secret.encode())
    return found


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def bearer_verifier(tokens: list[str], what: str) -> Verifier:
    """Accept ``Authorization: Bearer <token>`` for any of ``tokens``."""

    def verify(headers: Headers, body: bytes) -> AuthFailure | None:
        token = bearer_token(headers)
        if token is None:
            return AuthFailure(_MISSING, f"missing bearer token for {what}")
        if not _matches_any(token, tokens):
            return AuthFailure(_WRONG, f"wrong bearer token for {what}")
        return None

    return verify


def _basic(headers: Headers) -> tuple[str, str] | None:
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")  # present but malformed: wrong, not missing
    return (user, password) if sep else ("", "")


def basic_verifier(credentials: Mapping[str, str], what: str) -> Verifier:
    """Accept ``Authorization: Basic`` for any configured user and password."""

    def verify(headers: Headers, body: bytes) -> AuthFailure | None:
        given = _basic(headers)
        if given is None:
            return AuthFailure(_MISSING, f"missing Basic credentials for {what}")
        user, password = given
        found = False
        for known_user, known_password in credentials.items():
            # Both halves compared, without an early exit, whichever user matched.
            found |= hmac.compare_digest(user.encode(), known_user.encode()) & hmac.compare_digest(
                password.encode(), known_password.encode()
            )
        return None if found else AuthFailure(_WRONG, f"wrong Basic credentials for {what}")

    return verify


Presence = Callable[[Headers], bool]


def authorization_scheme(scheme: str) -> Presence:
    """Whether a request's ``Authorization`` header uses ``scheme``."""
    return lambda headers: headers.get("authorization", "").partition(" ")[0].lower() == scheme


def header_present(name: str) -> Presence:
    """Whether a request carries the header ``name``."""
    return lambda headers: bool(headers.get(name.lower()))


def any_of(methods: list[tuple[Presence, Verifier]], what: str) -> Verifier:
    """Accept a request that one of ``methods`` accepts, chosen by the credential it carries.

    A request carrying one method's credential is judged by that method alone (403 when it is
    wrong); a request carrying none is 401 naming every accepted method.
    """

    def verify(headers: Headers, body: bytes) -> AuthFailure | None:
        missing = []
        for present, method in methods:
            failure = method(headers, body)
            if failure is None or present(headers):
                return failure
            missing.append(failure.reason)
        return AuthFailure(_MISSING, f"no credentials for {what}: " + "; ".join(missing))

    return verify


def grafana_verifier(
    secret: str,
    signature_header: str,
    timestamp_header: str | None,
    max_skew_seconds: float,
    clock: Callable[[], float],
) -> Verifier:
    """Check Grafana's HMAC-SHA256 signature (and its timestamp, when configured)."""

    def verify(headers: Headers, body: bytes) -> AuthFailure | None:
        signature = headers.get(signature_header.lower())
        if not signature:
            return AuthFailure(_MISSING, f"missing {signature_header} header")
        message = body
        if timestamp_header:
            stamp = headers.get(timestamp_header.lower())
            if not stamp:
                return AuthFailure(
                    _MISSING,
                    f"missing {timestamp_header} header (set it as the contact point's "
                    "timestamp header, or server.grafana_timestamp_header: null)",
                )
            try:
                seconds = float(stamp)
            except ValueError:
                return AuthFailure(_WRONG, f"{timestamp_header} is not a Unix timestamp")
            if seconds > 1e11:  # milliseconds
                seconds /= 1000.0
            if abs(clock() - seconds) > max_skew_seconds:
                return AuthFailure(
                    _WRONG, f"{timestamp_header} is more than {max_skew_seconds:.0f}s from now"
                )
            message = stamp.encode() + b":" + body
        if not hmac.compare_digest(
            signature.strip().lower().encode(), _hmac_hex(secret, message).encode()
        ):
            return AuthFailure(_WRONG, f"wrong {signature_header} signature")
        return None

    return verify


def pagerduty_verifier(secrets: list[str]) -> Verifier:
    """Check ``X-PagerDuty-Signature`` against every configured secret (rotation)."""

    def verify(headers: Headers, body: bytes) -> AuthFailure | None:
        header = headers.get("x-pagerduty-signature")
        if not header:
            return AuthFailure(_MISSING, "missing X-PagerDuty-Signature header")
        given = [part.strip()[3:] for part in header.split(",") if part.strip().startswith("v1=")]
        expected = [_hmac_hex(secret, body) for secret in secrets]
        found = False
        for signature in given:
            found |= _matches_any(signature.lower(), expected)
        return None if found else AuthFailure(_WRONG, "no X-PagerDuty-Signature matches")

    return verify


def _unauthenticated(headers: Headers, body: bytes) -> AuthFailure | None:
    return None


def webhook_verifiers(
    settings: ServerSettings, *, allow_unauthenticated: bool, clock: Callable[[], float]
) -> tuple[dict[str, Verifier], list[str]]:
    """One verifier per source, and the sources left open (only with ``allow_unauthenticated``).

    Raises:
        ConfigError: a source has no credential and unauthenticated intake was not allowed.
    """
    verifiers: dict[str, Verifier] = {}
    if settings.alertmanager_tokens:
        verifiers["alertmanager"] = bearer_verifier(settings.alertmanager_tokens, "alertmanager")
    grafana: list[tuple[Presence, Verifier]] = []
    if settings.grafana_secret:
        signed = grafana_verifier(
            settings.grafana_secret,
            settings.grafana_signature_header,
            settings.grafana_timestamp_header,
            settings.max_timestamp_skew_seconds,
            clock,
        )
        grafana.append((header_present(settings.grafana_signature_header), signed))
    if settings.grafana_tokens:
        bearer = bearer_verifier(settings.grafana_tokens, "grafana")
        grafana.append((authorization_scheme("bearer"), bearer))
    if settings.grafana_basic_auth:
        basic = basic_verifier(settings.grafana_basic_auth, "grafana")
        grafana.append((authorization_scheme("basic"), basic))
    if grafana:
        verifiers["grafana"] = any_of(grafana, "grafana")
    if settings.pagerduty_secrets:
        verifiers["pagerduty"] = pagerduty_verifier(settings.pagerduty_secrets)
    hints = {
        "alertmanager": "server.alertmanager_tokens: [TOKEN] (sent by Alertmanager's "
        "http_config.authorization.credentials)",
        "grafana": "server.grafana_secret: SECRET (the contact point's HMAC secret) or "
        "AGENT_GRAFANA_SECRET, server.grafana_tokens: [TOKEN] (its Authorization header) or "
        "server.grafana_basic_auth: {USER: PASSWORD}",
        "pagerduty": "server.pagerduty_secrets: [SECRET] (the webhook subscription's secret)",
    }
    open_sources = [source for source in hints if source not in verifiers]
    if open_sources and not allow_unauthenticated:
        missing = "; ".join(hints[s] for s in open_sources)
        raise ConfigError(
            f"no webhook credential configured for {', '.join(open_sources)}: set {missing} "
            "in the --config file, or start with --allow-unauthenticated (not for production)"
        )
    for source in open_sources:
        verifiers[source] = _unauthenticated
    return verifiers, open_sources


def approver_identity(headers: Headers, tokens: Mapping[str, str]) -> str | AuthFailure:
    """The approver a bearer token belongs to, or why it was refused."""
    token = bearer_token(headers)
    if token is None:
        return AuthFailure(_MISSING, "missing approver bearer token")
    identity: str | None = None
    for known, who in tokens.items():
        if hmac.compare_digest(token.encode(), known.encode()):
            identity = who
    return identity if identity is not None else AuthFailure(_WRONG, "wrong approver token")


def check_approver_tokens(settings: ServerSettings) -> None:
    """Refuse approver or viewer tokens that are also other credentials.

    A webhook sender must not read or approve, and a viewer's token must not approve.

    Raises:
        ConfigError: an approver or viewer token equals a webhook token or secret, or a viewer
            token is also an approver token.
    """
    webhook = {
        *settings.alertmanager_tokens,
        *settings.pagerduty_secrets,
        *settings.grafana_tokens,
        *settings.grafana_basic_auth.values(),
    }
    if settings.grafana_secret:
        webhook.add(settings.grafana_secret)
    shared = sorted(who for token, who in settings.approver_tokens.items() if token in webhook)
    if shared:
        raise ConfigError(
            f"approver token(s) of {', '.join(shared)} are also webhook credentials; "
            "give approvers their own tokens in server.approver_tokens"
        )
    for token, who in settings.viewer_tokens.items():
        if token in webhook or token in settings.approver_tokens:
            other = "a webhook credential" if token in webhook else "an approver token"
            raise ConfigError(
                f"the viewer token of {who} is also {other}; give viewers their own tokens "
                "in server.viewer_tokens"
            )
