"""The project's exception tree.

Every error the agent raises on purpose derives from ``AgentError``::

    AgentError
    ├── ConfigError            bad configuration or usage: the CLI exits 2
    │   ├── BundleError        a recorded incident bundle is malformed
    │   └── PolicyConfigError  the policy file is invalid
    ├── BackendError           a telemetry backend failed; becomes a data gap
    │   ├── BackendUnavailable the backend could not be reached
    │   └── BackendQueryError  the backend rejected or failed the query
    ├── ReplayError            the replay environment could not start
    │   └── MissingBinary      a required external program is not installed
    ├── BrainError             the model could not answer
    │   ├── BrainUnavailable   unavailable until the deadline (429/529/5xx, network)
    │   └── BrainRejected      refused for good (400/401/403, spend limit)
    ├── SecretUnavailable      a secret file cannot be read (its content is never shown)
    ├── DeliveryFailed         a notification sink refused or could not be reached
    ├── InvestigationFailed    the investigation could not produce a report: exit 1
    ├── StoreError             the server's database failed (a webhook gets a 5xx and is retried)
    │   ├── StoreUnavailable   the database could not be reached
    │   └── LeaseLost          another replica took over an investigation this one was running
    └── RemediationAborted     the approval gate refused or the cluster rejected an action: exit 1

Third-party errors are translated into these at the edge (``raise Mapped(msg) from exc``).
"""

from __future__ import annotations

from dataclasses import dataclass


class AgentError(Exception):
    """Base class of every error the agent raises on purpose."""


class ConfigError(AgentError):
    """Configuration or usage is wrong; the user must fix something."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a file, located by path and line (1-based, 0 when unknown)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class BundleError(ConfigError):
    """A recorded incident bundle is malformed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class PolicyConfigError(ConfigError):
    """The policy file is invalid."""


class BackendError(AgentError):
    """A telemetry backend failed; the investigation records a data gap."""


class BackendUnavailable(BackendError):
    """The backend could not be reached (refused, timed out, DNS)."""


class BackendQueryError(BackendError):
    """The backend answered, but rejected or failed the query."""


class ReplayError(AgentError):
    """The replay environment could not start."""


class MissingBinary(ReplayError):
    """A required external program is not installed."""


class BrainError(AgentError):
    """The brain (model) could not answer."""


class BrainUnavailable(BrainError):
    """The model service stayed unavailable until the deadline (429/529/5xx, network)."""


class BrainRejected(BrainError):
    """The model service refused the request for good (400/401/403, spend limit)."""


class InvestigationFailed(AgentError):
    """The investigation could not produce any report."""


class StoreError(AgentError):
    """The server's database failed; nothing half-written was committed."""


class StoreUnavailable(StoreError):
    """The database could not be reached (refused, timed out, pool exhausted)."""


class LeaseLost(StoreError):
    """This replica's lease on an investigation expired and another replica took it over."""


class RemediationAborted(AgentError):
    """The approval gate refused a remediation, or the cluster rejected it; nothing changed."""


class SecretUnavailable(AgentError):
    """A secret file cannot be read; the message names the file, never its content."""


class DeliveryFailed(AgentError):
    """A notification sink refused a delivery or could not be reached.

    ``retryable`` deliveries (network errors, 429, 5xx) are retried by the outbox, no sooner
    than ``retry_after`` seconds when the sink said so (``Retry-After``).
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
