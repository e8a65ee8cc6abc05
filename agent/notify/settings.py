"""``notify:`` in the configuration: one entry per sink, each with its API base URL.

Secrets (bot tokens, API tokens, SMTP passwords, HMAC keys) come from a file (``secret_file``,
re-read when it changes) or from the environment variable named by ``secret_env``, which
``agent.config`` resolves into ``secret``; a config file never holds one inline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from agent.secretfile import Secret


class _Sink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", description="Unique per sink; defaults to the type.")
    secret_file: Path | None = None
    secret_env: str | None = None
    secret: SecretStr | None = Field(default=None, repr=False)  # resolved from secret_env
    timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _default_name(self) -> _Sink:
        if not self.name:
            self.name = str(getattr(self, "type", "sink"))
        return self

    def credential(self) -> Secret | None:
        """The sink's secret, from its file or the environment."""
        value = self.secret.get_secret_value() if self.secret is not None else None
        return Secret.of(value, self.secret_file)


class SlackSink(_Sink):
    """Slack: ``chat.postMessage`` with a bot token; buttons come back to ``/slack/interactions``."""

    type: Literal["slack"]
    api_url: str = "https://slack.com/api"
    default_channel: str = Field(min_length=1)
    # Verifies interaction callbacks; without it no buttons are shown.
    signing_secret_file: Path | None = None
    signing_secret_env: str | None = None
    signing_secret: SecretStr | None = Field(default=None, repr=False)
    # Slack user ids allowed to approve or reject (e.g. U024BE7LH).
    approvers: list[str] = Field(default_factory=list)

    def signing(self) -> Secret | None:
        """The signing secret, if interactions are configured."""
        value = self.signing_secret.get_secret_value() if self.signing_secret else None
        return Secret.of(value, self.signing_secret_file)


class PagerDutySink(_Sink):
    """PagerDuty: a note on the alert's incident (REST API v2, ``Token token=...``)."""

    type: Literal["pagerduty"]
    api_url: str = "https://api.pagerduty.com"
    from_email: str = Field(min_length=3, description="A PagerDuty user's email (From header).")


class GitHubSink(_Sink):
    """GitHub: an issue per incident, edited when the investigation changes."""

    type: Literal["github"]
    api_url: str = "https://api.github.com"
    repository: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    labels: list[str] = Field(default_factory=lambda: ["incident"])


class JiraSink(_Sink):
    """Jira (REST API v2): an issue per incident, edited when the investigation changes."""

    type: Literal["jira"]
    api_url: str
    project: str = Field(min_length=1)
    issue_type: str = "Bug"
    # Jira Cloud: basic auth as email + API token; Data Center: a bearer personal access token.
    email: str | None = None
    labels: list[str] = Field(default_factory=lambda: ["incident"])


class EmailSink(_Sink):
    """Email over SMTP with STARTTLS and authentication, to the owners in the catalogue."""

    type: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    ca_file: Path | None = None
    username: str | None = None
    from_address: str = Field(min_length=3)
    to: list[str] = Field(default_factory=list, description="When the catalogue names no one.")


class WebhookSink(_Sink):
    """A generic webhook: the report's JSON, signed with HMAC-SHA256."""

    type: Literal["webhook"]
    url: str


SinkSettings = Annotated[
    SlackSink | PagerDutySink | GitHubSink | JiraSink | EmailSink | WebhookSink,
    Field(discriminator="type"),
]


class NotifySettings(BaseModel):
    """Where results are delivered, and how undeliverable posts are retried."""

    model_config = ConfigDict(extra="forbid")

    sinks: list[SinkSettings] = Field(default_factory=list)
    # Links in messages point here (``/investigations/<id>/report.md``), e.g. the Ingress URL.
    public_url: str | None = None
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    max_attempts: int = Field(default=12, ge=1)

    @model_validator(mode="after")
    def _unique_names(self) -> NotifySettings:
        names = [s.name for s in self.sinks]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"notify sinks need unique names; repeated: {repeated}")
        return self
