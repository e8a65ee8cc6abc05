"""Statistical multi-source root-cause localisation: the ``rank_components`` tool.

One module per idea: ``robust`` (scores against a baseline and across peers), ``onset``
(when it began), ``frame`` (the alert-anchored window), ``families`` (metric discovery),
``workloads`` (pods → workloads), ``series`` (fetch and score), ``metrics`` and ``edges``
(metric signals), ``traces`` and ``logs`` (trace and log signals), ``combine`` (the ranking)
and ``tool`` (the tool function the model calls).
"""

from .tool import RankInput, rank_components

__all__ = ["RankInput", "rank_components"]
