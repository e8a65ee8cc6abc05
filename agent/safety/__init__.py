"""Safety of text crossing the model boundary: redaction and untrusted-data handling."""

from agent.safety.keys import looks_secret_key
from agent.safety.redact import JSONish, Redactor
from agent.safety.untrusted import flag_instructions, wrap_untrusted

__all__ = ["JSONish", "Redactor", "flag_instructions", "looks_secret_key", "wrap_untrusted"]
