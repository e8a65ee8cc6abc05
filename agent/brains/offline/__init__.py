"""The offline investigator: a deterministic brain that works like a careful SRE."""

from .brain import OfflineBrain

__all__ = ["OfflineBrain"]
