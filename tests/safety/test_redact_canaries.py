"""Seeded canaries in realistic logs, env dicts and span attributes must never survive."""

from __future__ import annotations

import json

from agent.safety.redact import JSONish, Redactor

CANARIES = {
    "aws": "AKIAZZCANARY0000TEST",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiJqd3QifQ.Q2FuYXJ5U2lnbmF0dXJlMTIz",
    "pem": "MIIEcanaryPEMbodyAAAAB3NzaC1yc2EAAAADAQABAAABAQC",
    "pg": "canaryPgPass",
    "slack": "xoxb-000000000000-canarySlackTok",
    "github": "ghp_CANARYcanaryCANARYcanary0123456789",
    "anthropic": "sk-ant-api03-canaryAnthropicKey0123456789",
    "email": "canary.person@example.org",
    "card": "4000056655665556",
}
PEM_BLOCK = (
    f"-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARIES['pem']}\n-----END OPENSSH PRIVATE KEY-----"
)

LOG_BLOCK = f"""\
2024-05-01T12:00:00.001Z level=info msg="boot" aws_key={CANARIES["aws"]} region=eu-west-1
2024-05-01T12:00:00.002Z level=debug msg="auth ok" header="Authorization: Bearer {CANARIES["jwt"]}"
2024-05-01T12:00:00.003Z level=error msg="db connect failed" dsn=postgres://orders:{CANARIES["pg"]}@10.0.3.7:5432/orders
2024-05-01T12:00:00.004Z notifier: using slack token {CANARIES["slack"]} channel=#alerts
2024-05-01T12:00:00.005Z ci: cloning with https://x-access-token:{CANARIES["github"]}@github.com/org/repo
{{"ts":"2024-05-01T12:00:00.006Z","level":"warn","msg":"llm call","api_key":"{CANARIES["anthropic"]}"}}
2024-05-01T12:00:00.007Z ERROR checkout order 991 failed for {CANARIES["email"]} card {CANARIES["card"]}
{PEM_BLOCK}
2024-05-01T12:00:00.008Z level=info msg="latency" p99=0.412s status=503 trace_id=4bf92f3577b34da6a3ce929d0e0e4736
"""


def _assert_no_canary(text: str) -> None:
    for name, canary in CANARIES.items():
        assert canary not in text, f"{name} canary survived: {text}"


def test_log_block_has_no_canary() -> None:
    r = Redactor(b"investigation-1")
    out = r.redact(LOG_BLOCK)
    _assert_no_canary(out)
    # Useful context survives.
    assert "10.0.3.7:5432" in out and "status=503" in out and "4bf92f3577b34da6" in out
    assert set(r.found) >= {"aws_access_key", "jwt", "url_password", "slack_token", "email", "card"}


def test_line_by_line_has_no_canary() -> None:
    # A PEM body line alone is indistinguishable from any base64, so multi-line blocks must be
    # redacted whole; every other canary is caught line by line.
    r = Redactor(b"investigation-1")
    lines = LOG_BLOCK.replace(PEM_BLOCK + "\n", "").splitlines()
    _assert_no_canary("\n".join(r.redact_lines(lines)))
    _assert_no_canary(r.redact(PEM_BLOCK))


def test_env_and_span_attributes_have_no_canary() -> None:
    obj: JSONish = {
        "containers": [
            {
                "name": "api",
                "env": [
                    {"name": "DATABASE_PASSWORD", "value": "plain-canary-no-shape"},
                    {"name": "DATABASE_URL", "value": f"postgres://u:{CANARIES['pg']}@h/db"},
                    {"name": "SLACK_BOT", "value": CANARIES["slack"]},
                    {"name": "LOG_LEVEL", "value": "info"},
                ],
            }
        ],
        "spans": [
            {
                "attributes": [
                    {
                        "key": "http.request.header.authorization",
                        "value": {"stringValue": "tok-canary-xyz"},
                    },
                    {"key": "user.email", "value": {"stringValue": CANARIES["email"]}},
                    {"key": "http.status_code", "value": {"intValue": 500}},
                ]
            }
        ],
        "config": {"apiKey": 123456, "github": CANARIES["github"], "enabled": True},
        "note": LOG_BLOCK,
    }
    r = Redactor(b"investigation-2")
    out = json.dumps(r.redact_obj(obj), ensure_ascii=False)
    _assert_no_canary(out)
    for extra in ("plain-canary-no-shape", "tok-canary-xyz", "123456"):
        assert extra not in out
    assert '"value": "info"' in out and '"intValue": 500' in out and '"enabled": true' in out


def test_redact_obj_is_idempotent() -> None:
    r = Redactor(b"k")
    obj: JSONish = {"password": "x", "env": [{"name": "TOKEN", "value": "y"}], "msg": LOG_BLOCK}
    once = r.redact_obj(obj)
    assert r.redact_obj(once) == once
