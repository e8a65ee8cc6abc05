"""No generated body — random bytes, random JSON, deep nesting, huge — gets a 5xx."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import server_payloads as p
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from server_harness import AM_AUTH, CountingRunner, running, settings
from starlette.testclient import TestClient

# Strings include lone surrogates (json.dumps escapes them as "\ud800"), which a real sender
# can emit and which decode to a str that cannot be encoded.
_text = st.text(max_size=20) | st.text(st.characters(codec=None, categories=["Cs"]), max_size=3)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=30,
)
# Raw JSON tokens json.dumps cannot produce: numbers past Python's int-string limit (4300
# digits) and past a float's range, spliced into real payloads in place of a value.
_raw_tokens = st.sampled_from(["-", "", "0."]).flatmap(
    lambda sign: (st.integers(1, 30) | st.integers(4000, 6000)).map(lambda n: sign + "9" * n)
) | st.sampled_from(["1e999", "-1e999", "1" * 5000 + ".5", '"\\ud800"', '"x\\udc00"'])


def _mutated_payload() -> st.SearchStrategy[object]:
    # Real payloads with one field replaced by arbitrary JSON: exercises the shape checks.
    def mutate(value: object, key: str, which: int) -> object:
        payload = [p.alertmanager(), p.grafana(), p.pagerduty()][which]
        target = payload["alerts"][0] if "alerts" in payload and key.startswith("a.") else payload
        target[key.removeprefix("a.")] = value  # type: ignore[index]
        return payload

    keys = st.sampled_from(
        [
            "version",
            "status",
            "alerts",
            "event",
            "orgId",
            "a.labels",
            "a.startsAt",
            "a.fingerprint",
            "a.endsAt",
        ]
    )
    return st.builds(mutate, _json, keys, st.integers(0, 2))


_STRING_VALUE = re.compile(r'": ("(?:[^"\\]|\\.)*")')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    config = settings(tmp_path_factory.mktemp("fuzz"), grafana_secret=None, pagerduty_secrets=[])
    with running(config, CountingRunner(), start_workers=False, allow_unauthenticated=True) as (
        c,
        _,
    ):
        yield c


def _post_everywhere(client: TestClient, raw: bytes) -> None:
    for source in ("alertmanager", "grafana", "pagerduty"):
        response = client.post(f"/webhooks/{source}", content=raw, headers=AM_AUTH)
        assert response.status_code < 500, (source, raw[:200], response.text)


@hsettings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=2000))
def test_random_bytes(client: TestClient, raw: bytes) -> None:
    _post_everywhere(client, raw)


@hsettings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_json)
def test_random_json(client: TestClient, value: object) -> None:
    _post_everywhere(client, json.dumps(value).encode())


@hsettings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=_mutated_payload())
def test_mutated_real_payloads(client: TestClient, payload: object) -> None:
    _post_everywhere(client, json.dumps(payload).encode())


@hsettings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=_mutated_payload(), token=_raw_tokens, which=st.integers(0, 200))
def test_real_payloads_with_raw_number_and_surrogate_tokens(
    client: TestClient, payload: object, token: str, which: int
) -> None:
    raw = json.dumps(payload)
    # Replace one string value (not a key) with the raw token: a label, a time, an id...
    values = list(_STRING_VALUE.finditer(raw))
    if values:
        value = values[which % len(values)]
        raw = raw[: value.start(1)] + token + raw[value.end(1) :]
    _post_everywhere(client, raw.encode())


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(depth=st.integers(1, 5000), opener=st.sampled_from(["[", '{"a":']))
def test_deep_nesting(client: TestClient, depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    _post_everywhere(client, (opener * depth + "1" + closer * depth).encode())


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 10 * 1024 * 1024])
def test_huge_bodies_are_413(client: TestClient, size: int) -> None:
    response = client.post(
        "/webhooks/alertmanager", content=b"[" + b"0," * (size // 2) + b"0]", headers=AM_AUTH
    )
    assert response.status_code == 413
