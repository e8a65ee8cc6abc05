"""Log lines of every pod, written in each service's own format.

Sampled access logs, periodic chatter, background noise, lifecycle lines, and the errors the
state table says happened.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from evals.simulator import timefmt
from evals.simulator.lifecycle import Cluster, Pod
from evals.simulator.metrics_app import pod_share
from evals.simulator.state import STEP_S, States
from evals.simulator.world import LogFormat, Service

ACCESS_SAMPLE = 1 / 120
_MAX_ERRORS_PER_STEP = 12
_PEER_ERROR_SAMPLE = 1 / 4  # services log a sample of the failures they only pass on
_STARTUP = {
    "redis": "1:M {date} * Ready to accept connections tcp",
    "postgres": "{date} UTC [1] LOG:  database system is ready to accept connections",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One log line before serialisation."""

    ts_ns: int
    labels: tuple[tuple[str, str], ...]
    line: str


def render(
    fmt: LogFormat, t: float, level: str, msg: str, fields: dict[str, object], logger: str
) -> str:
    """Render one line in a service's log format."""
    if fmt == "json":
        return json.dumps(
            {
                "ts": timefmt.millis(t),
                "level": level.lower(),
                "msg": msg,
                "logger": logger,
                **fields,
            },
            separators=(",", ":"),
        )
    if fmt == "logfmt":
        rest = " ".join(f"{k}={v}" for k, v in fields.items())
        return f'ts={timefmt.millis(t)} level={level.lower()} msg="{msg}" {rest}'.rstrip()
    thread = f"http-nio-8080-exec-{int(t * 7) % 20 + 1}"
    rest = " ".join(f"{k}={v}" for k, v in fields.items())
    return f"{timefmt.java(t)} {level.upper():>5} 1 --- [{thread}] {logger} : {msg} {rest}".rstrip()


class _Writer:
    def __init__(self, cluster: Cluster, rng: random.Random) -> None:
        self.cluster = cluster
        self.rng = rng
        self.lines: list[Line] = []

    def emit(self, pod: Pod, t: float, text: str) -> None:
        wl = pod.workload
        labels = (
            ("namespace", wl.namespace),
            ("pod", pod.name),
            ("container", wl.name),
            ("app", wl.name),
            ("node", pod.node),
            ("job", f"{wl.namespace}/{wl.name}"),
        )
        ns = int(t * 1e9) + self.rng.randrange(1000)
        self.lines.append(Line(ns, labels, text))

    def count(self, expected: float) -> int:
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def fill(self, template: str, peer: str = "", code: str = "") -> str:
        rng = self.rng
        return template.format(
            trace_id=f"{rng.getrandbits(128):032x}",
            order_id=f"ord_{rng.getrandbits(40):010x}",
            user_id=f"u{rng.randint(10000, 99999)}",
            peer=peer,
            code=code,
            ms=rng.randint(900, 5000),
            n=rng.randint(1, 40),
            date="{date}",
        )


def _service_lines(w: _Writer, svc: Service, pod: Pod, states: States, volume: float) -> None:
    scn = w.cluster.scenario
    logger = f"com.shop.{svc.name.replace('-', '')}.Handler"
    fmt = svc.log_format
    for t0 in states.step_times():
        if pod.run_at(t0) is None:
            continue
        point = states.at(svc.name, t0)
        n = point.rps * STEP_S * pod_share(w.cluster, pod, t0)
        for _ in range(w.count(n * ACCESS_SAMPLE * volume)):
            t = t0 + w.rng.uniform(0, STEP_S)
            failed = w.rng.random() < point.err
            code = point.code if failed else "200"
            slow = scn.capacity.slowdown(svc.name, pod.node, t)  # a CPU-starved node's pods
            ms = round(point.latency * slow * 1000 * w.rng.lognormvariate(0, 0.5), 1)
            fields: dict[str, object] = {
                "method": svc.method,
                "path": svc.route,
                "status": int(code),
                "duration_ms": ms,
            }
            w.emit(pod, t, render(fmt, t, "INFO", "request completed", fields, logger))
        effect = scn.failing(svc.name, t0)
        own = min(_MAX_ERRORS_PER_STEP, w.count(n * point.own_err * volume))
        for _ in range(own):
            t = t0 + w.rng.uniform(0, STEP_S)
            template = (
                w.rng.choice(effect.templates)
                if effect and effect.templates
                else ("request failed: internal error")
            )
            w.emit(pod, t, render(fmt, t, "ERROR", w.fill(template), {}, logger))
        for peer, share in point.blame:
            for _ in range(
                min(_MAX_ERRORS_PER_STEP, w.count(n * share * _PEER_ERROR_SAMPLE * volume))
            ):
                t = t0 + w.rng.uniform(0, STEP_S)
                callee = states.at(peer, t0)
                msg = w.fill(_peer_template(w, peer, t0), peer, callee.code)
                fields = {"peer": peer, "trace_id": f"{w.rng.getrandbits(128):032x}"}
                w.emit(pod, t, render(fmt, t, "ERROR", msg, fields, logger))
        if w.rng.random() < 0.5:
            t = t0 + w.rng.uniform(0, STEP_S)
            msg = w.rng.choice(("health check ok", "metrics flushed", "config watcher: no changes"))
            w.emit(pod, t, render(fmt, t, "DEBUG" if fmt == "json" else "INFO", msg, {}, logger))


def _peer_template(w: _Writer, peer: str, t: float) -> str:
    """What a caller logs when ``peer`` fails it.

    Callers quote the fault itself when they meet it first-hand: a refused handshake, or a
    failing datastore (which has no pods of its own to log anything).
    """
    scn = w.cluster.scenario
    for e in scn.effects:
        first_hand = e.kind == "refuse" or (e.kind == "error" and scn.world.is_datastore(peer))
        if e.component == peer and first_hand and e.templates and e.at(t) > 0:
            return w.rng.choice(e.templates)
    return "call to {peer} failed: status={code}"


def _lifecycle_lines(w: _Writer, pod: Pod, fmt: LogFormat | None) -> None:
    scn = w.cluster.scenario
    for run in pod.runs:
        if scn.start <= run.start < scn.now:
            t = run.start + 1.5
            stamp = timefmt.java(t)
            if fmt is None:
                kind = pod.workload.image.split(":")[0].split("/")[-1]
                text = _STARTUP.get(kind, "starting").format(date=stamp)
            else:
                version = pod.revision.image.rsplit(":", 1)[1]
                text = render(
                    fmt,
                    t,
                    "INFO",
                    f"started {pod.workload.name} version {version}",
                    {"port": pod.workload.port},
                    "main",
                )
            w.emit(pod, t, text)
        crash = [e for e in scn.effects if e.component == pod.workload.name and e.kind == "crash"]
        if run.reason == "Error" and run.end is not None and crash:
            for template in crash[0].templates:
                w.emit(
                    pod, run.end - 0.2, w.fill(template).replace("{date}", timefmt.java(run.end))
                )


def _noise(w: _Writer, states: States) -> None:
    scn = w.cluster.scenario
    for noise in scn.noise:
        pods = w.cluster.pods_of(noise.component)
        services = {s.name: s for s in scn.world.services}
        # Datastores and infrastructure log in their own fixed formats, given by the template.
        fmt = services[noise.component].log_format if noise.component in services else None
        t = max(scn.start, noise.start) + w.rng.uniform(0, noise.every_s)
        while t < min(scn.now, noise.end):
            live = [p for p in pods if p.run_at(t) is not None]
            if live:
                pod = w.rng.choice(live)
                text = w.fill(noise.template).replace("{date}", timefmt.java(t))
                if fmt is not None:
                    text = render(fmt, t, noise.level, text, {}, "background")
                w.emit(pod, t, text)
            t += noise.every_s * w.rng.uniform(0.5, 1.5)


def _announcements(w: _Writer) -> None:
    """One line from every live pod of a component, e.g. each replica reloading its config."""
    scn = w.cluster.scenario
    services = {s.name: s for s in scn.world.services}
    for note in scn.extras.announcements:
        svc = services.get(note.component)
        for pod in w.cluster.pods_of(note.component):
            t = note.at + w.rng.uniform(0.2, 2.0)
            if pod.run_at(t) is None:
                continue
            text = (
                render(svc.log_format, t, note.level, note.message, {}, "config-watcher")
                if svc
                else note.message
            )
            w.emit(pod, t, text)


def generate(cluster: Cluster, states: States, volume: float = 1.0) -> list[Line]:
    """All log lines of the window, sorted by timestamp."""
    w = _Writer(cluster, random.Random(f"{cluster.scenario.seed}/logs"))
    scn = cluster.scenario
    services = {s.name: s for s in scn.world.services}
    for pod in cluster.pods:
        svc = services.get(pod.workload.name)
        if svc is not None:
            _service_lines(w, svc, pod, states, volume)
        if pod.workload.kind != "DaemonSet" and pod.workload.namespace != "kube-system":
            _lifecycle_lines(w, pod, svc.log_format if svc else None)
    _noise(w, states)
    _announcements(w)
    lines = [ln for ln in w.lines if scn.start * 1e9 <= ln.ts_ns < scn.now * 1e9]
    lines.sort(key=lambda ln: (ln.ts_ns, ln.labels, ln.line))
    return lines


def to_json(line: Line) -> str:
    """One ``logs.jsonl`` line."""
    return json.dumps(
        {"ts": timefmt.rfc3339_nano(line.ts_ns), "labels": dict(line.labels), "line": line.line},
        separators=(",", ":"),
    )
