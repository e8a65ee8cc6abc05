"""Scope derivation from the alert and the service catalogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.alerts.model import Alert
from agent.bundle.model import Catalog, CatalogService
from policies.load import default_policy_path, load_policy
from policies.scope import derive_scope

POLICY = load_policy(default_policy_path())
CATALOG = Catalog(
    services=[
        CatalogService(name="checkout", namespace="shop", dependencies=["payments", "ghost"]),
        CatalogService(name="payments", namespace="pay"),
        CatalogService(name="unrelated", namespace="other"),
    ]
)


def alert(**labels: str) -> Alert:
    return Alert(fingerprint="0" * 16, labels=labels, starts_at=datetime(2024, 5, 1, tzinfo=UTC))


def test_alert_namespace_plus_service_dependencies() -> None:
    scope = derive_scope(alert(namespace="edge", service="checkout"), CATALOG, POLICY)
    assert scope.namespaces == {"edge", "shop", "pay"}
    assert scope.max_range == timedelta(hours=6)


def test_unknown_service_gives_only_the_alert_namespace() -> None:
    scope = derive_scope(alert(namespace="edge", service="nope"), CATALOG, POLICY)
    assert scope.namespaces == {"edge"}


def test_no_labels_give_an_empty_scope() -> None:
    assert derive_scope(alert(alertname="X"), CATALOG, POLICY).namespaces == frozenset()


def test_dependencies_are_followed_transitively_and_cycles_end() -> None:
    catalog = Catalog(
        services=[
            CatalogService(name="frontend", namespace="edge", dependencies=["cart"]),
            CatalogService(name="cart", namespace="shop", dependencies=["cart-cache", "frontend"]),
            CatalogService(name="cart-cache", namespace="data"),
            CatalogService(name="unrelated", namespace="other"),
        ]
    )
    scope = derive_scope(alert(service="frontend"), catalog, POLICY)
    assert scope.namespaces == {"edge", "shop", "data"}
