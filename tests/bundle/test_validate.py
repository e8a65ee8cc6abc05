from __future__ import annotations

from pathlib import Path

import pytest
from minimal import write_minimal_bundle

from agent.bundle.load import load_bundle
from agent.bundle.truth import load_truth
from agent.bundle.validate import validate_bundle
from agent.cli.main import main
from agent.errors import BundleError


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_minimal_bundle(tmp_path / "b")


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_bundle(path)]


def test_minimal_bundle_is_valid_and_loads(bundle: Path) -> None:
    assert validate_bundle(bundle) == []
    loaded = load_bundle(bundle)
    assert loaded.incident.id == "web-errors-0001"
    # Sorted by time, nanoseconds kept.
    assert [r.ts_ns % 1_000_000_000 for r in loaded.logs] == [0, 123456789]
    assert [o["kind"] for o in loaded.k8s_objects] == ["Namespace", "Deployment"]
    assert load_truth(bundle).root_cause.category == "code"


def test_bad_json_line_names_file_and_line(bundle: Path) -> None:
    with (bundle / "logs.jsonl").open("a") as handle:
        handle.write("{not json\n")
    found = messages(bundle)
    assert any(m.startswith(f"{bundle / 'logs.jsonl'}:3: invalid JSON") for m in found), found
    with pytest.raises(BundleError, match=r"logs\.jsonl:3"):
        load_bundle(bundle)


def test_missing_eof_is_reported(bundle: Path) -> None:
    path = bundle / "metrics.om"
    path.write_text(path.read_text().replace("# EOF\n", ""))
    assert any("missing final '# EOF'" in m for m in messages(bundle))


def test_millisecond_timestamps_and_disorder_are_reported(bundle: Path) -> None:
    path = bundle / "metrics.om"
    path.write_text(
        '# TYPE up gauge\nup{job="a"} 1 1763474400000\nup{job="b"} 1 20\nup{job="b"} 1 10\n# EOF\n'
    )
    found = messages(bundle)
    assert any(":2: timestamp looks like milliseconds" in m for m in found), found
    assert any(':4: samples of up{job="b"} out of time order' in m for m in found), found


def test_nan_summary_quantiles_are_valid_but_nan_buckets_are_not(bundle: Path) -> None:
    # An idle summary exports NaN quantiles; "le=" inside "quantile=" is not a bucket label.
    path = bundle / "metrics.om"
    path.write_text(
        "# TYPE rpc_seconds summary\n"
        'rpc_seconds{quantile="0.9",role="api"} NaN 10\n'
        'rpc_seconds_count{role="api"} 0 10\n'
        "# TYPE req_seconds histogram\n"
        'req_seconds_bucket{job="a",le="0.5"} NaN 10\n'
        "# EOF\n"
    )
    found = messages(bundle)
    assert [m for m in found if "NaN" in m] == [f"{path}:5: NaN bucket value"], found


def test_unknown_category_names_line_and_field(bundle: Path) -> None:
    (bundle / "truth.yaml").write_text(
        "root_cause:\n  component: web\n  category: gremlins\n  summary: x\n"
    )
    found = messages(bundle)
    assert any(m.startswith(f"{bundle / 'truth.yaml'}:3: root_cause.category") for m in found), (
        found
    )


def test_pod_name_as_component_is_rejected(bundle: Path) -> None:
    (bundle / "truth.yaml").write_text(
        "root_cause:\n  component: web-7d9f8b6c5-x2k4j\n  category: code\n  summary: x\n"
    )
    assert any("not a pod name" in m for m in messages(bundle))


def test_wrong_fingerprint_and_missing_alert(bundle: Path) -> None:
    path = bundle / "alert.json"
    path.write_text(path.read_text().replace('"fingerprint": "', '"fingerprint": "ff'))
    found = messages(bundle)
    assert any("does not match its labels" in m for m in found), found


def test_secret_objects_are_refused(bundle: Path) -> None:
    with (bundle / "k8s.yaml").open("a") as handle:
        handle.write(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n"
        )
    assert any("k8s.yaml:16: Secret objects must never be recorded" in m for m in messages(bundle))


@pytest.mark.parametrize("name", ["incident.yaml", "k8s.yaml"])
def test_invalid_yaml_names_file_and_line(bundle: Path, name: str) -> None:
    with (bundle / name).open("a") as handle:
        handle.write("broken: [unclosed\n")
    found = [m for m in messages(bundle) if m.startswith(f"{bundle / name}:")]
    assert len(found) == 1 and ": invalid YAML: " in found[0], found
    assert int(found[0].split(":")[1]) > 1, found  # the line of the problem, not 0


def test_an_unreadable_yaml_file_is_named(bundle: Path) -> None:
    (bundle / "k8s.yaml").write_bytes(b"kind: \xff\xfe\n")
    assert any(m.startswith(f"{bundle / 'k8s.yaml'}: cannot read") for m in messages(bundle))


def test_missing_required_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    found = messages(empty)
    assert any("incident.yaml: missing (required)" in m for m in found)
    assert any("alert.json: missing (required)" in m for m in found)


def test_optional_files_may_be_absent(bundle: Path) -> None:
    for name in ("metrics.om", "logs.jsonl", "k8s.yaml", "truth.yaml"):
        (bundle / name).unlink()
    assert validate_bundle(bundle) == []
    loaded = load_bundle(bundle)
    assert loaded.metrics_path is None and loaded.logs == [] and loaded.k8s_objects == []


def test_cli_validate_exit_codes(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", "validate", str(bundle)]) == 0
    assert "ok" in capsys.readouterr().out
    broken = tmp_path / "broken"
    broken.mkdir()
    assert main(["replay", "validate", str(broken)]) == 1
    assert "incident.yaml" in capsys.readouterr().out
