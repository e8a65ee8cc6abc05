"""Tool dispatch: validate → policy check → execute → redact → budget → audit."""

from .pipeline import Dispatcher, DispatchOutcome, Redactor
from .render import render_for_model

__all__ = ["DispatchOutcome", "Dispatcher", "Redactor", "render_for_model"]
