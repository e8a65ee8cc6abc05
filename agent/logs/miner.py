"""An online log template miner: exact shapes first, then words that vary become parameters.

Each line is reduced to a *shape* (:mod:`agent.logs.shape`): typed masks, then parameters by
form (digits, paths, dotted names) merged into ``<*>`` slots, every other word kept. Lines with
the same shape are one template, with no similarity threshold — a threshold is what makes
Drain merge ``VM Started`` with ``VM Paused`` and split ``95 bytes sent`` from ``95 bytes
(0.09 KB) sent``.

Words that are parameters without looking like one (user names, host names, table names) are
found from position statistics, as in Brain (Yu et al., 2023): templates that are equal except
at one word position form a *column*; once ``min_variants`` different words have been seen in
a column, the position is a parameter and those templates merge into one with ``<*>`` there. A
word seen in only a few variants (``GET``/``POST``, ``startup``/``shutdown``, ``true``/``false``)
stays template text, since few-valued words are usually what tells two log statements apart.
The decision is one rule for every system: no per-system masks or thresholds.

Streaming and ids: templates are refined as lines arrive. Ids are 1, 2, 3… in order of first
appearance. When templates merge, the oldest id survives and the others resolve to it
(:meth:`TemplateMiner.resolve`), so an id never changes meaning within one miner; ``mine``
returns resolved assignments. The same lines in the same order give the same ids and templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.logs.masking import DIGITS_TO_ZERO
from agent.logs.parsed import ParsedLines, Unshared
from agent.logs.shape import WILDCARD, Shape

# Five different words at one position make it a parameter. Fewer are usually alternatives
# written out in code (an HTTP method, a state, a boolean); a parameter (user, host, file) takes
# many values. One constant for every system, never tuned per system.
MIN_VARIANTS = 5
# Message patterns whose shape is remembered; cleared when full, so memory stays bounded.
_SHAPE_CACHE = 8192


@dataclass(frozen=True, slots=True)
class Template:
    """One mined template: its id, its text with ``<*>``/typed masks, how many lines, labels."""

    id: int
    template: str
    count: int
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MiningResult:
    """Templates (in id order) and, for each input line in order, its template id."""

    templates: list[Template]
    assignments: list[int]


class _Cluster:
    __slots__ = ("count", "display", "id", "key", "labels", "merged_into")

    def __init__(self, cluster_id: int, shape: Shape) -> None:
        self.id = cluster_id
        self.key = shape.key
        self.display = shape.display
        self.count = 0
        self.labels: set[str] = set()
        self.merged_into: _Cluster | None = None


def _join(a: tuple[str, ...], b: tuple[str, ...], wildcard: str) -> tuple[str, ...]:
    """Element-wise: keep what two equal-length sequences agree on, ``wildcard`` elsewhere."""
    return tuple(x if x == y else wildcard for x, y in zip(a, b, strict=True))


def _join_display(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        x if x == y else x[: len(x) - len(x.lstrip())] + WILDCARD for x, y in zip(a, b, strict=True)
    )


# A new template is compared with at most this many (the newest) live templates of its length:
# a bound on the work per new template for pathological streams, not a tuning knob (no
# Loghub-2k system has more than a few dozen templates of one length).
_PEER_SCAN = 64


def _recent(clusters: list[_Cluster]) -> list[_Cluster]:
    """The newest live clusters of ``clusters`` (at most ``_PEER_SCAN``), oldest first.

    Merged clusters are dropped from the list, and the oldest live ones once it grows past
    twice the bound, so the list stays short.
    """
    if len(clusters) > 2 * _PEER_SCAN:
        clusters[:] = [c for c in clusters if c.merged_into is None][-_PEER_SCAN:]
    live: list[_Cluster] = []
    for cluster in reversed(clusters):
        if cluster.merged_into is None:
            live.append(cluster)
            if len(live) == _PEER_SCAN:
                break
    return live[::-1]


_HASH_BASE = 1_000_003
_HASH_MASK = (1 << 64) - 1


def _prefix_hashes(tokens: tuple[str, ...]) -> list[int]:
    """``h[i]`` is a rolling hash of ``tokens[:i]`` (``len(tokens) + 1`` values)."""
    hashes = [0]
    for token in tokens:
        hashes.append((hashes[-1] * _HASH_BASE + hash(token)) & _HASH_MASK)
    return hashes


def _shows_same_raw(display: tuple[str, ...], slots: tuple[int, ...], message: str) -> bool:
    """Whether ``message`` holds, in order, the raw values ``display`` still shows at ``slots``.

    A cheap test that a line sharing a cached shape leaves the display as it is (``jk2_init``,
    ``ssh2`` stay; a new ``/dev/sda2`` is not found, so the caller shapes the line exactly).
    """
    start = 0
    for i in slots:
        shown = display[i]
        if shown.endswith(WILDCARD):
            continue
        found = message.find(shown.lstrip(), start)
        if found < 0:
            return False
        start = found + len(shown.lstrip())
    return True


def _compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Equal except where one side has a parameter, not equal, and sharing a word.

    ``name=<*> ws=null`` and ``name=android ws=<*>`` are one event seen twice: each position
    that differs holds a parameter on one side, and a position that holds a parameter in some
    lines is a parameter in all of them.
    """
    differ = False
    words = 0
    for x, y in zip(a, b, strict=True):
        if x == y:
            words += _can_vary(x)
        elif x == WILDCARD or y == WILDCARD:
            differ = True
        else:
            return False
    return differ and words > 0


def _can_vary(token: str) -> bool:
    # Words can turn out to be parameters; punctuation and existing slots cannot.
    return token != WILDCARD and (len(token) > 1 or token.isalnum())


class TemplateMiner:
    """Mines templates from log lines one at a time."""

    def __init__(
        self, *, min_variants: int = MIN_VARIANTS, parsed: ParsedLines | None = None
    ) -> None:
        """Create an empty miner.

        Args:
            min_variants: Different words at one position after which it is a parameter.
            parsed: The investigation's memo of per-line work, shared with its other miners
                (``agent.logs.parsed``); the templates are the same with or without it.
        """
        if min_variants < 2:
            raise ValueError(f"min_variants must be at least 2, got {min_variants}")
        self._min_variants = min_variants
        self._parsed: ParsedLines | Unshared = parsed if parsed is not None else Unshared()
        self._clusters: list[_Cluster] = []
        self._by_key: dict[tuple[str, ...], _Cluster] = {}
        # Templates with word slots, by key length: a new shape may fit one of them.
        self._general: dict[int, list[_Cluster]] = {}
        # (position, hash of the tokens before it, hash of those after) -> word -> template.
        # Rolling hashes keep time and memory linear in the key length, even for huge lines;
        # a 64-bit collision would only add two columns' counts together.
        self._columns: dict[tuple[int, int, int], dict[str, _Cluster]] = {}
        self._shapes: dict[str, Shape] = {}
        self._by_length: dict[int, list[_Cluster]] = {}

    def add(self, line: str) -> int:
        """Add one raw log line and return the id of the template it belongs to now."""
        message, labels = self._parsed.split(line)
        # Lines that differ only in digit values have one shape (see DIGITS_TO_ZERO), so most
        # lines skip masking and tokenising; only the raw digits left in the display can differ.
        pattern = message.translate(DIGITS_TO_ZERO)
        shape = self._shapes.get(pattern)
        exact = shape is None
        if shape is None:
            if len(self._shapes) >= _SHAPE_CACHE:
                self._shapes.clear()
            shape = self._shapes[pattern] = self._parsed.shape(message)
        cluster = self._by_key.get(shape.key)
        if cluster is None:
            cluster = self._place(shape)
        elif cluster.merged_into is not None:
            cluster = self._by_key[shape.key] = self._current(cluster)
        cluster.count += 1
        if not exact and not _shows_same_raw(cluster.display, shape.raw_digits, message):
            shape = self._parsed.shape(message)  # its raw values may still widen the display
        if shape.display != cluster.display:
            cluster.display = _join_display(cluster.display, shape.display)
        if labels:
            cluster.labels.update(labels)
        return cluster.id

    def resolve(self, template_id: int) -> int:
        """Return the id that ``template_id`` (returned by ``add`` earlier) has been merged into."""
        if not 1 <= template_id <= len(self._clusters):
            raise KeyError(template_id)
        return self._current(self._clusters[template_id - 1]).id

    def templates(self) -> list[Template]:
        """Return the templates mined so far, in id order (merged ones are left out)."""
        return [
            Template(c.id, "".join(c.display).strip(), c.count, tuple(sorted(c.labels)))
            for c in self._clusters
            if c.merged_into is None
        ]

    @staticmethod
    def _current(cluster: _Cluster) -> _Cluster:
        while cluster.merged_into is not None:
            cluster = cluster.merged_into
        return cluster

    def _place(self, shape: Shape) -> _Cluster:
        key = shape.key
        for general in _recent(self._general.setdefault(len(key), [])):
            if all(g in (WILDCARD, k) for g, k in zip(general.key, key, strict=True)):
                self._by_key[key] = general
                return general
        cluster = _Cluster(len(self._clusters) + 1, shape)
        self._clusters.append(cluster)
        self._by_key[key] = cluster
        cluster = self._register(cluster)
        return self._absorb_compatible(cluster)

    def _absorb_compatible(self, cluster: _Cluster) -> _Cluster:
        """Merge templates that differ only where one of the two has a parameter."""
        peers = self._by_length.setdefault(len(cluster.key), [])
        fits = [p for p in _recent(peers) if p is not cluster and _compatible(p.key, cluster.key)]
        if cluster not in peers:  # a merge survivor is there already
            peers.append(cluster)
        if not fits:
            return cluster
        # The merged template has more slots, so it may fit more templates: look again.
        return self._absorb_compatible(self._merge(sorted([cluster, *fits], key=lambda c: c.id)))

    def _register(self, cluster: _Cluster) -> _Cluster:
        """Count ``cluster``'s words in their columns; merge a column that reached the limit."""
        key = cluster.key
        words = sum(1 for token in key if _can_vary(token))
        before, after = _prefix_hashes(key), _prefix_hashes(key[::-1])[::-1]
        for i, token in enumerate(key):
            # A word can vary only next to another word: a one-word message is its template.
            if token != WILDCARD and (words < 2 or not _can_vary(token)):
                continue
            column = self._columns.setdefault((i, before[i], after[i + 1]), {})
            column.setdefault(token, cluster)
            # A position that holds a parameter in some lines is a parameter in all of them.
            needed = 2 if WILDCARD in column else self._min_variants
            if len(column) >= needed:
                members = {self._current(c).id: self._current(c) for c in column.values()}
                if len(members) >= needed:
                    return self._merge(sorted(members.values(), key=lambda c: c.id))
        return cluster

    def _merge(self, members: list[_Cluster]) -> _Cluster:
        survivor, *others = {m.id: m for m in members}.values()
        if any(len(o.key) != len(survivor.key) for o in others):
            return survivor  # a hash collision between columns of different lengths
        for other in others:
            survivor.key = _join(survivor.key, other.key, WILDCARD)
            survivor.display = _join_display(survivor.display, other.display)
            survivor.count += other.count
            survivor.labels |= other.labels
            other.merged_into = survivor
        self._by_key[survivor.key] = survivor
        general = self._general.setdefault(len(survivor.key), [])
        if survivor not in _recent(general):
            general.append(survivor)
        # The new slot may complete another column (a second varying word): count again.
        return self._register(survivor)


def mine(lines: Iterable[str], miner: TemplateMiner | None = None) -> MiningResult:
    """Mine ``lines`` and return the templates and each line's (resolved) template id.

    Args:
        lines: Raw log lines (plain text, logfmt or JSON), without trailing newlines.
        miner: A configured miner to use; a default one when omitted.
    """
    miner = miner if miner is not None else TemplateMiner()
    assignments = [miner.add(line) for line in lines]
    return MiningResult(miner.templates(), [miner.resolve(a) for a in assignments])
