"""The simulated shop: nodes, workloads, services, datastores and the call graph between them.

The world is static data; everything that changes over time (rollouts, faults) belongs to a
scenario. Scenarios receive the default world from ``shop_world()`` and may derive variants with
``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LogFormat = Literal["json", "logfmt", "java"]
WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet"]
DatastoreKind = Literal["redis", "postgres", "external"]


@dataclass(frozen=True, slots=True)
class Edge:
    """A call from a service to a peer (service or datastore) on a share of its requests.

    ``fallback_for`` makes the edge conditional: it is taken only by the share of requests whose
    call to that other peer failed (e.g. reading through to the database when the cache is down).
    ``propagates`` is False for fire-and-forget calls whose failure the caller swallows.
    """

    peer: str
    share: float
    propagates: bool = True
    fallback_for: str | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    """A Kubernetes workload and the resources of its single main container."""

    name: str
    namespace: str
    kind: WorkloadKind
    image: str
    replicas: int = 2
    memory_mi: float = 200.0
    memory_limit_mi: int = 512
    cpu_cores: float = 0.2
    cpu_limit_cores: float = 1.0
    port: int = 8080
    env: tuple[tuple[str, str], ...] = ()
    team: str = "platform"


@dataclass(frozen=True, slots=True)
class Service:
    """A user-facing or internal HTTP service backed by a Deployment of the same name."""

    workload: Workload
    method: str
    route: str
    rps: float
    latency_s: float
    log_format: LogFormat
    edges: tuple[Edge, ...] = ()
    db_pool_max: int = 0

    @property
    def name(self) -> str:
        """The service (and Deployment) name."""
        return self.workload.name


@dataclass(frozen=True, slots=True)
class Datastore:
    """A dependency that is not instrumented with server spans: redis, postgres, an external API."""

    name: str
    kind: DatastoreKind
    latency_s: float
    address: str
    workload: Workload | None = None


@dataclass(frozen=True, slots=True)
class World:
    """Everything that exists in the simulated cluster."""

    cluster: str
    nodes: tuple[str, ...]
    services: tuple[Service, ...]
    datastores: tuple[Datastore, ...]
    infra: tuple[Workload, ...] = field(default_factory=tuple)

    def service(self, name: str) -> Service:
        """Return the service called ``name``."""
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(f"no service named {name!r} in the simulated world")

    def is_datastore(self, name: str) -> bool:
        """Whether ``name`` is a datastore rather than an HTTP service."""
        return any(d.name == name for d in self.datastores)

    def datastore(self, name: str) -> Datastore:
        """Return the datastore called ``name``."""
        for store in self.datastores:
            if store.name == name:
                return store
        raise KeyError(f"no datastore named {name!r} in the simulated world")

    @property
    def workloads(self) -> tuple[Workload, ...]:
        """All workloads: services, datastores with pods, and infrastructure daemons."""
        stores = tuple(d.workload for d in self.datastores if d.workload is not None)
        return tuple(s.workload for s in self.services) + stores + self.infra

    def workload(self, name: str) -> Workload:
        """Return the workload called ``name``."""
        for wl in self.workloads:
            if wl.name == name:
                return wl
        raise KeyError(f"no workload named {name!r} in the simulated world")

    def callee_first(self) -> list[Service]:
        """Services ordered so that every service comes after the services it calls."""
        done: list[Service] = []
        seen: set[str] = set()

        def visit(svc: Service) -> None:
            if svc.name in seen:
                return
            seen.add(svc.name)
            for edge in svc.edges:
                if not self.is_datastore(edge.peer):
                    visit(self.service(edge.peer))
            done.append(svc)

        for svc in self.services:
            visit(svc)
        return done

    def callers_of(self, peer: str) -> list[tuple[Service, Edge]]:
        """Every (service, edge) that calls ``peer``."""
        return [(s, e) for s in self.services for e in s.edges if e.peer == peer]


_REG = "registry.shop.example"


def _svc(
    name: str,
    method: str,
    route: str,
    rps: float,
    latency_s: float,
    log_format: LogFormat,
    team: str,
    version: str,
    edges: tuple[Edge, ...] = (),
    *,
    replicas: int = 2,
    memory_mi: float = 200.0,
    memory_limit_mi: int = 512,
    extra_env: tuple[tuple[str, str], ...] = (),
    db_pool_max: int = 0,
) -> Service:
    env = (
        ("SERVICE_NAME", name),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317"),
        ("LOG_LEVEL", "info"),
        *extra_env,
    )
    wl = Workload(
        name=name,
        namespace="shop",
        kind="Deployment",
        image=f"{_REG}/shop/{name}:{version}",
        replicas=replicas,
        memory_mi=memory_mi,
        memory_limit_mi=memory_limit_mi,
        env=env,
        team=team,
    )
    return Service(wl, method, route, rps, latency_s, log_format, edges, db_pool_max)


def shop_world() -> World:
    """The default e-commerce world every scenario starts from."""
    db_env = (("DB_HOST", "orders-db.data.svc"), ("DB_POOL_MAX", "15"))
    services = (
        _svc(
            "frontend",
            "GET",
            "/*",
            42.0,
            0.012,
            "json",
            "web",
            "4.12.0",
            (Edge("api-gateway", 0.9),),
            memory_mi=180.0,
        ),
        _svc(
            "api-gateway",
            "GET",
            "/api/*",
            38.0,
            0.004,
            "logfmt",
            "platform",
            "1.31.2",
            (
                Edge("catalog", 0.45),
                Edge("search", 0.15),
                Edge("recommendations", 0.3),
                Edge("cart", 0.25),
                Edge("checkout", 0.05),
            ),
            memory_mi=120.0,
        ),
        _svc(
            "catalog",
            "GET",
            "/products/{id}",
            17.0,
            0.015,
            "java",
            "catalog",
            "2.8.1",
            (Edge("orders-db", 0.35),),
            memory_mi=410.0,
            memory_limit_mi=768,
            extra_env=db_env,
            db_pool_max=15,
        ),
        _svc("search", "GET", "/search", 6.0, 0.045, "json", "catalog", "3.2.0", memory_mi=350.0),
        _svc(
            "recommendations",
            "GET",
            "/recommendations",
            11.0,
            0.03,
            "json",
            "discovery",
            "0.19.4",
            (Edge("catalog", 0.5),),
            memory_mi=300.0,
        ),
        _svc(
            "cart",
            "GET",
            "/cart/{userId}",
            12.0,
            0.006,
            "logfmt",
            "checkout",
            "5.4.0",
            (Edge("cart-cache", 1.0), Edge("orders-db", 1.0, fallback_for="cart-cache")),
            memory_mi=300.0,
            extra_env=(("REDIS_ADDR", "cart-cache.data.svc:6379"), *db_env),
            db_pool_max=15,
        ),
        _svc(
            "checkout",
            "POST",
            "/checkout",
            2.0,
            0.02,
            "java",
            "checkout",
            "7.0.3",
            (
                Edge("cart", 1.0),
                Edge("inventory", 1.0),
                Edge("payments", 1.0),
                Edge("shipping", 1.0),
                Edge("orders-db", 1.0),
                Edge("notifications", 1.0, propagates=False),
            ),
            memory_mi=420.0,
            memory_limit_mi=768,
            extra_env=db_env,
            db_pool_max=15,
        ),
        _svc(
            "payments",
            "POST",
            "/charges",
            2.0,
            0.03,
            "java",
            "payments",
            "3.14.2",
            (Edge("payment-provider", 1.0),),
            replicas=3,
            memory_mi=380.0,
            memory_limit_mi=768,
            extra_env=(("PROVIDER_URL", "https://api.payprovider.example/v2"),),
        ),
        _svc(
            "inventory",
            "POST",
            "/reservations",
            2.0,
            0.01,
            "logfmt",
            "checkout",
            "2.2.9",
            (Edge("orders-db", 1.0),),
            extra_env=db_env,
            db_pool_max=15,
        ),
        _svc(
            "shipping", "POST", "/quotes", 2.0, 0.018, "json", "checkout", "1.7.0", memory_mi=150.0
        ),
        _svc(
            "notifications", "POST", "/events", 2.0, 0.008, "json", "web", "1.3.5", memory_mi=140.0
        ),
    )
    datastores = (
        Datastore(
            "cart-cache",
            "redis",
            0.0008,
            "cart-cache.data.svc:6379",
            Workload(
                "cart-cache",
                "data",
                "StatefulSet",
                "redis:7.2.4-alpine",
                1,
                160.0,
                1024,
                0.1,
                1.0,
                6379,
                team="platform",
            ),
        ),
        Datastore(
            "orders-db",
            "postgres",
            0.004,
            "orders-db.data.svc:5432",
            Workload(
                "orders-db",
                "data",
                "StatefulSet",
                "postgres:16.2",
                1,
                1400.0,
                4096,
                0.6,
                2.0,
                5432,
                (("POSTGRES_DB", "orders"), ("PGDATA", "/var/lib/postgresql/data/pgdata")),
                team="platform",
            ),
        ),
        Datastore("payment-provider", "external", 0.18, "api.payprovider.example:443"),
    )
    infra = (
        Workload(
            "coredns",
            "kube-system",
            "Deployment",
            "registry.k8s.io/coredns/coredns:v1.11.1",
            2,
            30.0,
            170,
            0.02,
            0.1,
            53,
        ),
        Workload(
            "node-exporter",
            "monitoring",
            "DaemonSet",
            "quay.io/prometheus/node-exporter:v1.7.0",
            3,
            25.0,
            180,
            0.01,
            0.2,
            9100,
        ),
        Workload(
            "fluent-bit",
            "monitoring",
            "DaemonSet",
            "cr.fluentbit.io/fluent/fluent-bit:3.0.2",
            3,
            40.0,
            200,
            0.02,
            0.2,
            2020,
        ),
    )
    nodes = tuple(f"ip-10-20-{i}-{17 + 9 * i}.eu-west-1.compute.internal" for i in (1, 2, 3))
    return World("shop-prod-euw1", nodes, services, datastores, infra)
