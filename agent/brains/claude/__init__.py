"""The Claude brain: tool use through the anthropic SDK."""

from .brain import ClaudeBrain

__all__ = ["ClaudeBrain"]
