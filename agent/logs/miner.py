"""A Drain-style online log template miner.

Drain (He et al., ICWS 2017) clusters lines in a fixed-depth prefix tree: the first level splits
by token count, the next ``depth - 3`` levels by leading tokens (drain3's convention: the default
depth 4 branches on the first token only), and each leaf holds a few
clusters compared by token-wise similarity. A line joins the most similar cluster if the
similarity reaches ``sim_threshold``, turning differing positions into ``<*>``; otherwise it
starts a new cluster. Masking (``agent.logs.masking``) runs first, so most variables never
reach the tree.

Ids are assigned 1, 2, 3… in order of first appearance, so the same input in the same order
always gives the same ids and templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.logs.masking import tokens_of

WILDCARD = "<*>"
_ANY_CHILD = "<*>"  # tree key for leading tokens that are variable or overflow max_children


@dataclass(frozen=True, slots=True)
class Template:
    """One mined template: its id, its text with ``<*>``/typed masks, and how many lines."""

    id: int
    template: str
    count: int


@dataclass(frozen=True, slots=True)
class MiningResult:
    """Templates (in id order) and, for each input line in order, its template id."""

    templates: list[Template]
    assignments: list[int]


class _Cluster:
    __slots__ = ("count", "id", "tokens")

    def __init__(self, cluster_id: int, tokens: list[str]) -> None:
        self.id = cluster_id
        self.tokens = tokens
        self.count = 1


class _Node:
    __slots__ = ("children", "clusters")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.clusters: list[_Cluster] = []


def _is_variable(token: str) -> bool:
    # Drain's rule: a token with digits is probably a parameter, so it must not pick a branch.
    return "<" in token or any(ch.isdigit() for ch in token)


class TemplateMiner:
    """Mines templates from log lines one at a time."""

    def __init__(
        self, *, depth: int = 4, sim_threshold: float = 0.45, max_children: int = 100
    ) -> None:
        """Create an empty miner.

        Args:
            depth: Tree depth counting root, length level and leaf (drain3's default 4).
            sim_threshold: Minimum share of equal tokens for a line to join a cluster.
            max_children: Branching cap per node; overflow goes to a shared ``<*>`` child.
        """
        if depth < 3:
            raise ValueError(f"depth must be at least 3, got {depth}")
        if not 0.0 <= sim_threshold <= 1.0:
            raise ValueError(f"sim_threshold must be within [0, 1], got {sim_threshold}")
        self._prefix_levels = depth - 3
        self._threshold = sim_threshold
        self._max_children = max_children
        self._root = _Node()
        self._clusters: list[_Cluster] = []

    def add(self, line: str) -> int:
        """Add one raw log line and return the id of the template it belongs to."""
        tokens = tokens_of(line)
        leaf = self._leaf(tokens)
        best = self._best_match(leaf.clusters, tokens)
        if best is None:
            best = _Cluster(len(self._clusters) + 1, tokens)
            self._clusters.append(best)
            leaf.clusters.append(best)
        else:
            best.count += 1
            if best.tokens != tokens:
                best.tokens = [
                    a if a == b else WILDCARD for a, b in zip(best.tokens, tokens, strict=True)
                ]
        return best.id

    def templates(self) -> list[Template]:
        """Return the templates mined so far, in id order."""
        return [Template(c.id, " ".join(c.tokens), c.count) for c in self._clusters]

    def _leaf(self, tokens: list[str]) -> _Node:
        node = self._root.children.setdefault(str(len(tokens)), _Node())
        for token in tokens[: self._prefix_levels]:
            key = _ANY_CHILD if _is_variable(token) else token
            child = node.children.get(key)
            if child is None:
                if len(node.children) >= self._max_children:
                    key = _ANY_CHILD
                child = node.children.setdefault(key, _Node())
            node = child
        return node

    def _best_match(self, clusters: list[_Cluster], tokens: list[str]) -> _Cluster | None:
        best: _Cluster | None = None
        best_key = (-1.0, -1)
        n = len(tokens)
        for cluster in clusters:
            same = wild = 0
            for a, b in zip(cluster.tokens, tokens, strict=True):
                if a == WILDCARD:
                    wild += 1
                elif a == b:
                    same += 1
            # An empty line matches the (only possible) empty template fully.
            sim = same / n if n else 1.0
            key = (sim, wild)  # ties go to the more general template, as in Drain
            if key > best_key:
                best, best_key = cluster, key
        if best is None or best_key[0] < self._threshold:
            return None
        return best


def mine(lines: Iterable[str], miner: TemplateMiner | None = None) -> MiningResult:
    """Mine ``lines`` and return the templates and each line's template id.

    Args:
        lines: Raw log lines (plain text, logfmt or JSON), without trailing newlines.
        miner: A configured miner to use; a default one when omitted.
    """
    miner = miner if miner is not None else TemplateMiner()
    assignments = [miner.add(line) for line in lines]
    return MiningResult(miner.templates(), assignments)
