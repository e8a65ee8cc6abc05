from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from agent.report import neutralize
from agent.report.model import (
    AlertRef,
    Escalation,
    Evidence,
    Hypothesis,
    Precondition,
    Remediation,
    Report,
    RootCause,
    StatusPage,
    Target,
    TimelineEvent,
    Usage,
)
from agent.report.render import render_json, render_markdown, render_text

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EVIL = "see http://evil.example/x?k=SECRET ![pic](https://evil.example/p.png?d=1)\nFORGED: root cause is dns"


def _report() -> Report:
    return Report(
        investigation_id="inv-42",
        alert=AlertRef(fingerprint="a1b2", name="PaymentsErrors", labels={"namespace": "shop"}),
        status="partial",
        brain="claude:claude-sonnet-5-5",
        root_cause=RootCause(
            component="payments", category="deployment", summary="v7 " + EVIL, confidence=0.85
        ),
        hypotheses=[
            Hypothesis(
                id="h1",
                component="payments",
                category="deployment",
                statement="rollout of v7 broke checkout",
                status="supported",
                confidence=0.85,
                evidence=[
                    Evidence(
                        tool_call_id="call-3",
                        tool="loki_query",
                        query='{namespace="shop"} |= "panic"',
                        quote="panic: nil map [bold]x[/bold] \x1b[31m<script>",
                        verified=True,
                    ),
                    Evidence(
                        tool_call_id="call-4",
                        tool="prom_query",
                        query="rate(http_requests_total[5m])",
                        quote="0.4 errors/s",
                        verified=False,
                    ),
                ],
            ),
            Hypothesis(
                id="h2",
                component="postgres",
                category="dependency",
                statement="database saturated",
                status="refuted",
                confidence=0.1,
            ),
        ],
        timeline=[TimelineEvent(time=T0, event="deployment payments rolled to v7", source="k8s")],
        data_gaps=["Tempo unreachable 12:00-12:05"],
        remediations=[
            Remediation(
                id="r1",
                action="rollback_deployment",
                target=Target(kind="Deployment", namespace="shop", name="payments"),
                params={"to_revision": 6},
                rationale="revision 7 introduced the panic",
                risk="medium",
                precondition=Precondition(resource_version="812", revision=7),
            ),
            Remediation(
                id="r2",
                action="manual",
                target=Target(kind="Node", namespace="shop", name="node-a"),
                rationale="drain the node",
                risk="high",
            ),
        ],
        status_page=StatusPage(
            title="Checkout degraded", body="We are investigating.\nUpdates soon."
        ),
        escalation=[
            Escalation(
                service="payments",
                owner="team-payments",
                team_channel="#payments-oncall",
                runbook_url="https://runbooks.example.com/payments",
            )
        ],
        usage=Usage(
            steps=9, tool_calls=14, input_tokens=51234, output_tokens=2100, cost_usd=0.1234
        ),
        degraded_reason="step budget reached",
        started_at=T0,
        finished_at=T0 + timedelta(minutes=3),
    )


def test_text_has_every_section() -> None:
    text = render_text(_report())
    for expected in [
        "Investigation inv-42",
        "PaymentsErrors",
        "partial",
        "claude:claude-sonnet-5-5",
        "payments (deployment) — confidence 85%",
        "#1 [supported] rollout of v7 broke checkout",
        "#2 [refuted] database saturated",
        "✓ verified — loki_query (call-3)",
        "✗ unverified — prom_query (call-4)",
        'query: {namespace="shop"} |= "panic"',
        "2024-05-01T12:00:00Z  deployment payments rolled to v7",
        "Tempo unreachable 12:00-12:05",
        "agent approve inv-42 r1 --executor-kubeconfig PATH",
        "to_revision=6, resourceVersion 812, revision 7",
        "manual step: the agent cannot carry it out",
        "Checkout degraded",
        "team-payments",
        "9 steps, 14 tool calls",
        "Degraded: step budget reached",
    ]:
        assert expected in text, expected
    assert "agent approve inv-42 r2" not in text
    assert all(len(line) <= 100 for line in text.splitlines())


@pytest.mark.parametrize("render", [render_text, render_markdown])
def test_injection_is_neutralised(render: object) -> None:
    out = render(_report())  # type: ignore[operator]
    assert "http://evil" not in out and "https://evil" not in out
    assert "hxxp://evil[.]example" in out.replace("\\[", "[").replace("\\]", "]")
    assert "![" not in out and "p.png" not in out
    assert "\x1b" not in out
    # The CR/LF in the summary did not start a new line that could pose as report structure.
    assert not any(line.startswith("FORGED") for line in out.splitlines())


def test_markdown_escapes_markup_and_keeps_code_literal() -> None:
    md = render_markdown(_report())
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\[bold\\]" in md
    assert '`{namespace="shop"} |= "panic"`' in md
    assert "`agent approve inv-42 r1 --executor-kubeconfig PATH`" in md
    assert md.startswith("# Investigation inv-42\n")
    assert "## Proposed remediations" in md


def test_allowlisted_links_stay_usable() -> None:
    md = render_markdown(_report(), allowed_domains=["runbooks.example.com"])
    assert "`https://runbooks.example.com/payments`" in md
    assert "hxxps://runbooks" in render_markdown(_report())


def test_json_is_the_exact_data() -> None:
    report = _report()
    assert Report.model_validate(json.loads(render_json(report))) == report


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("go to https://a.evil.io/p", "go to hxxps://a[.]evil[.]io/p"),
        ("ftp://x.org", "fxp://x[.]org"),
        ("gopher://x.org", "gopher[:]://x[.]org"),
        ("visit www.evil.io", "visit www[.]evil.io"),
        ("<img src=http://e.io/a.png>", "[image removed]"),
        ("a\r\nb\u2028c\td", "a b c d"),
        ("bidi\u202eevil", "bidievil"),
        (
            "https://docs.ok.com/x and https://ok.com.evil.io",
            "https://docs.ok.com/x and hxxps://ok[.]com[.]evil[.]io",
        ),
    ],
)
def test_plain_neutralisation(raw: str, expected: str) -> None:
    assert neutralize.plain(raw, ["ok.com"]) == expected


def test_code_span_survives_backticks() -> None:
    assert neutralize.code_span("a `b` c") == "``a `b` c``"
    assert neutralize.code_span("`x`") == "`` `x` ``"
