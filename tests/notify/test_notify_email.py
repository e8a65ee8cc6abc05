"""Email through a real SMTP server in the test (aiosmtpd) that requires STARTTLS and AUTH."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as MailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from notify_fakes import alert, report

from agent.errors import DeliveryFailed
from agent.notify.email import EmailSender
from agent.notify.message import compose
from agent.notify.settings import EmailSink
from agent.replay.http import free_port

USER, PASSWORD = "agent", "smtp-pass-4321"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], MailMessage]] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(), PASSWORD.encode())  # fmt: skip
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[Mailbox, int, Path]]:
    ca = trustme.CA()
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    box = Mailbox()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, server_hostname="smtp.test", tls_context=server_tls,
        require_starttls=True, auth_exclude_mechanism=["LOGIN"],
        authenticator=box.authenticate, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    try:
        yield box, port, ca_file
    finally:
        controller.stop()


def sink(port: int, ca_file: Path, tmp_path: Path, password: str = PASSWORD) -> EmailSink:
    secret = tmp_path / "smtp-password"
    secret.write_text(password)
    return EmailSink(type="email", host="127.0.0.1", port=port, ca_file=ca_file, username=USER,
                     secret_file=secret, from_address="incident-agent@example.com",
                     to=["oncall@example.com"])  # fmt: skip


def test_email_over_starttls_with_auth_threads_updates(
    smtp: tuple[Mailbox, int, Path], tmp_path: Path
) -> None:
    box, port, ca_file = smtp
    sender = EmailSender(sink(port, ca_file, tmp_path))
    message = compose(report(), alert())
    first = sender.deliver(message, None)
    updated = compose(report(summary="Bad rollout, and a config edit"), alert())
    second = sender.deliver(updated, first.remote_id)
    assert box.logins == [USER, USER]
    (to1, mail1), (to2, mail2) = box.messages
    # The catalogue's owner is an address: it wins over the configured fallback.
    assert to1 == to2 == ["payments@example.com"]
    assert mail1["Subject"].startswith("[critical] CheckoutHighErrorRate")
    assert mail1["Message-ID"] == first.remote_id and "In-Reply-To" not in mail1
    assert mail2["In-Reply-To"] == first.remote_id and mail2["Subject"].startswith("Re: ")
    assert second.outcome == "updated"
    body = mail1.get_payload(decode=True)
    assert isinstance(body, bytes) and b"Bad rollout of checkout" in body
    assert b"sk_live_abcdefghijklmnop1234" not in body


def test_email_bad_password_is_a_permanent_failure(
    smtp: tuple[Mailbox, int, Path], tmp_path: Path
) -> None:
    _, port, ca_file = smtp
    sender = EmailSender(sink(port, ca_file, tmp_path, password="wrong-pass"))
    with pytest.raises(DeliveryFailed, match="SMTP 535") as caught:
        sender.deliver(compose(report(), alert()), None)
    assert not caught.value.retryable and "wrong-pass" not in str(caught.value)


def test_email_unreachable_server_is_retryable(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(DeliveryFailed) as caught:
        EmailSender(sink(port, tmp_path / "none.pem", tmp_path)).deliver(
            compose(report(), alert()), None
        )
    assert caught.value.retryable
