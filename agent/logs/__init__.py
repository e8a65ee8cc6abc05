"""Log template mining: group log lines into events with their variable parts masked."""

from agent.logs.miner import MiningResult, Template, TemplateMiner, mine

__all__ = ["MiningResult", "Template", "TemplateMiner", "mine"]
