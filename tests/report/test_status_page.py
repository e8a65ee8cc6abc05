from __future__ import annotations

import pytest

from agent.report.model import StatusPage
from agent.report.status_page import check_status_page, sanitize_status_page

NAMES = ["payments", "shop", "payments-db", "ip-10-0-1-7.ec2.internal", "backend", "10.0.0.9"]


@pytest.mark.parametrize(
    ("body", "sanitized", "leaks"),
    [
        ("Payments is failing", "a backend service is failing", ["'Payments'"]),
        ("payments-db timed out", "a backend service timed out", ["'payments-db'"]),
        ("payments-worker lagged", "a backend service lagged", ["'payments-worker'"]),
        ("shopping is fine", "shopping is fine", []),
        ("The shop's checkout", "The a backend service's checkout", ["'shop'"]),
        ("error in payments.", "error in a backend service.", ["'payments'"]),
        ("host ip-10-0-1-7.ec2.internal down", "host a backend service down", ["ec2.internal"]),
        ("from 10.0.3.7:8080", "from an internal address:8080", ["'10.0.3.7'"]),
        (
            "peer fe80::1 and 2001:db8::42",
            "peer an internal address and an internal address",
            ["fe80::1", "2001:db8::42"],
        ),
        ("at 12:00:05 UTC", "at 12:00:05 UTC", []),
        ("version 999.1.1.1 rolled", "version 999.1.1.1 rolled", []),
        ("cart-7d9f8b6c5-x2k4j crashed", "a backend service crashed", ["a pod name"]),
        (
            "ledger.finance.svc.cluster.local refused",
            "a backend service refused",
            ["in-cluster host"],
        ),
        ("ledger.finance.svc refused", "a backend service refused", ["in-cluster host"]),
        ("We are investigating elevated errors.", "We are investigating elevated errors.", []),
        # The host label of a listed node name, and host shapes nobody listed.
        ("node ip-10-0-1-7 drained", "node a backend service drained", ["'ip-10-0-1-7'"]),
        ("host ip-10-20-2-35 is down", "host a backend service is down", ["'ip-10-20-2-35'"]),
        ("db01.prod.corp unreachable", "a backend service unreachable", ["'db01.prod.corp'"]),
        ("worker-3.local restarted", "a backend service restarted", ["'worker-3.local'"]),
        ("release 1-2-3-4 shipped", "release 1-2-3-4 shipped", []),
    ],
)
def test_table(body: str, sanitized: str, leaks: list[str]) -> None:
    page = StatusPage(title="Incident", body=body)
    violations = check_status_page(page, NAMES)
    assert len(violations) == len(leaks), violations
    for leak, violation in zip(leaks, violations, strict=True):
        assert violation.startswith("body: ") and leak in violation
    clean = sanitize_status_page(page, NAMES)
    assert clean.body == sanitized
    assert check_status_page(clean, NAMES) == []


def test_title_is_checked_and_neutral_wording_is_not_a_leak() -> None:
    page = StatusPage(title="payments outage", body="backend slow")
    assert check_status_page(page, NAMES) == [
        "title: an internal name 'payments'",
        "body: an internal name 'backend'",
    ]
    clean = sanitize_status_page(page, NAMES)
    assert clean == StatusPage(title="a backend service outage", body="a backend service slow")
    # "backend" is a listed name, yet our own replacement wording must not count as a leak.
    assert check_status_page(clean, NAMES) == []


def test_short_and_empty_names_ignored() -> None:
    page = StatusPage(title="A", body="a b")
    assert check_status_page(page, ["", "a", " "]) == []
