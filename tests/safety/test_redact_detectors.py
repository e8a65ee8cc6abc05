"""Table tests for each redaction detector: what must be hidden and what must stay."""

from __future__ import annotations

import re

import pytest

from agent.safety.redact import Redactor

PLACEHOLDER = re.compile(r"‹(SECRET|EMAIL|CARD|PHONE):[0-9a-f]{6}›")

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAz0canaryPEMbodyQ8Zq3\nb9s7ZxK2canaryPEM2ndline==\n"
    "-----END RSA PRIVATE KEY-----"
)

# (text, secret substring that must disappear, detector name counted)
POSITIVES = [
    ("key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "aws_access_key"),
    ("sts ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A", "aws_access_key"),
    (
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "secret_assignment",
    ),
    (
        "push ghp_16C7e42F292c6912E7710c838347Ae178B4a ok",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "github_token",
    ),
    (
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "16C7e42F292c6912E7710c838347Ae178B4a",
        "github_token",
    ),
    (
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCD",
        "github_pat_11ABCDEFG0123456789",
        "github_token",
    ),
    ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "xoxb-123456789012", "slack_token"),
    (
        "post https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "slack_webhook",
    ),
    (
        "ANTHROPIC sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-yz_0123",
        "sk-ant-api03-AbCd",
        "anthropic_key",
    ),
    (
        "openai sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123",
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123",
        "openai_key",
    ),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
    ("stripe rk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
    (
        "maps AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
        "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
        "google_api_key",
    ),
    (f"jwt={JWT}", "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt"),
    (f"cert\n{PEM}\nnext", "canaryPEM", "private_key"),
    ("-----BEGIN PRIVATE KEY-----\\nMIIEcanaryTruncated", "canaryTruncated", "private_key"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "auth_header"),
    ('"authorization": "Bearer abc.def-ghi_jkl"', "abc.def-ghi_jkl", "auth_header"),
    ("curl -H 'Bearer 0123456789abcdefABCDEF'", "0123456789abcdefABCDEF", "auth_header"),
    ("dsn postgres://app:hunter2@db:5432/orders", "hunter2", "url_password"),
    ("redis://:p@ss@w0rd@cache:6379", "p@ss@w0rd", "url_password"),
    ("password=hunter2 user=bob", "hunter2", "secret_assignment"),
    ('{"client_secret": "s3cr3t-value", "n": 1}', "s3cr3t-value", "secret_assignment"),
    ("X-Api-Key: 9f8e7d6c5b4a", "9f8e7d6c5b4a", "secret_assignment"),
    ("DB_PASSWORD='quoted pass'", "quoted pass", "secret_assignment"),
    ('{"log":"{\\"password\\":\\"nested-pw\\"}"}', "nested-pw", "secret_assignment"),
    ("GET /cb?code=1&access_token=tok123abc&state=x", "tok123abc", "secret_assignment"),
    ("mail bob.smith+alerts@example.co.uk now", "bob.smith+alerts@example.co.uk", "email"),
    ("visa 4111111111111111 ok", "4111111111111111", "card"),
    ("mc 5555-5555-5555-4444", "5555-5555-5555-4444", "card"),
    ("amex 3782 822463 10005", "3782 822463 10005", "card"),
    ("card=4012 8888 8888 1881", "4012 8888 8888 1881", "card"),
    ("call +14155552671 now", "+14155552671", "phone"),
    ("call +44 20 7946 0958", "+44 20 7946 0958", "phone"),
    ("call (415) 555-2671", "(415) 555-2671", "phone"),
    ("call 415-555-2671", "415-555-2671", "phone"),
    # Weak key words still hide credential-shaped values.
    ("token: 9f8a7c6b5d4e3f2a", "9f8a7c6b5d4e3f2a", "secret_assignment"),
    ("session=bb6881dc-f954-45f4-b48e-4c43719f6399", "bb6881dc-f954", "secret_assignment"),
    ("pin=4821 accepted", "4821", "secret_assignment"),
    # Command-line flags, joined or as two words.
    ("args: --db-password=hunter2 --port=5432", "hunter2", "secret_assignment"),
    ("exec app --api-key s3cr3tKey --verbose", "s3cr3tKey", "secret_flag"),
    ("--auth-token=Zm9vYmFyYmF6cXV4MTIz", "Zm9vYmFyYmF6cXV4MTIz", "secret_assignment"),
]


@pytest.mark.parametrize(("text", "secret", "detector"), POSITIVES)
def test_detector_hides_value(text: str, secret: str, detector: str) -> None:
    r = Redactor(b"test-key")
    out = r.redact(text)
    assert secret not in out
    assert PLACEHOLDER.search(out)
    assert r.found[detector] >= 1, r.found


# Text that must come out unchanged: values SREs need, and numbers that merely look long.
NEGATIVES = [
    "2024-01-15T10:00:00.123456+01:00 level=info msg=started",
    "Jan 15 10:00:00 host kernel: eth0 up",
    "connect 10.0.0.12:8080 from 192.168.100.200 and [2001:db8::1]:443",
    "took 123.456ms (p99 1.5s) timeout=30s",
    "HTTP/1.1 503 Service Unavailable status=503 port 5432",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "resourceVersion=123456789 generation 42 uid 3f9c2a4e-1b2d-4c5e-8f90-123456789abc",
    "ts=1700000000123456789 ms=1700000000123 count=4111111111111112",
    "bytes=1048576 pid 12345678 offset 987654321098",
    "version v1.27.3 build 2024.01.15 image nginx@sha256:0123456789abcdef0123456789abcdef",
    "tokens_total=5123 max_tokens=4096 token_ttl=3600 password_file=/etc/pw",
    "secretName: db-credentials auth_enabled=true auth: ok token: null",
    "Basic validation failed; bearer authentication failed; token expired",
    "delta +1000 rows, offset -0500, tz +01:00, 1.5e+10 ops",
    "123-45-6789 and 2024-01-15 and 10.0.0.1-10.0.0.9",
    "jdbc url http://db.internal:5432/app?ssl=true user@",
    "key=cache:user:42 partition_key=7",
    # A weak key word names ordinary things too: services, counters, states.
    "ts-gateway-service → ts-auth-service: 4 calls",
    "auth-service: 12 calls, token-bucket: 3 refills, session-store: ok",
    "calls to auth: 17 (p99 0.4s), token: expired, sid=42",
    "--auth-mode=oauth2 --token-file=/var/run/token --port 8080",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_ordinary_text_untouched(text: str) -> None:
    r = Redactor(b"test-key")
    assert r.redact(text) == text
    assert not r.found


def test_url_keeps_scheme_user_and_host() -> None:
    out = Redactor(b"k").redact("postgres://orders_rw:pa55@db.prod.svc:5432/orders?sslmode=require")
    assert re.fullmatch(
        r"postgres://orders_rw:‹SECRET:[0-9a-f]{6}›@db\.prod\.svc:5432/orders\?sslmode=require", out
    )


def test_bearer_scheme_is_kept() -> None:
    out = Redactor(b"k").redact("Authorization: Bearer abcdefgh12345")
    assert out.startswith("Authorization: Bearer ‹SECRET:")


def test_same_value_same_placeholder_across_detectors() -> None:
    r = Redactor(b"k")
    a = r.redact("token=ghp_16C7e42F292c6912E7710c838347Ae178B4a")
    b = r.redact("saw ghp_16C7e42F292c6912E7710c838347Ae178B4a again")
    assert a.removeprefix("token=") == b.split()[1]


def test_empty_key_rejected() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Redactor(b"")


def test_container_args_hide_the_value_after_a_secret_flag() -> None:
    r = Redactor(b"test-key")
    args = ["--db-password", "hunter2", "--db-host", "db.internal", "--auth", "enabled"]
    out = r.redact_obj({"args": args})
    assert isinstance(out, dict) and isinstance(out["args"], list)
    assert "hunter2" not in out["args"]
    assert out["args"][2:] == ["--db-host", "db.internal", "--auth", "enabled"]
