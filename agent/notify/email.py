"""Email over SMTP: STARTTLS (required unless turned off), then AUTH, to the service's owners.

Recipients are the owners in the catalogue that are email addresses, else the configured
``to``. The first message of an alert has a stable ``Message-ID``; a later investigation's
message answers it (``In-Reply-To``/``References``) so mail clients thread them. SMTP 4xx
replies and dropped connections are retried; 5xx replies (bad auth, refused recipients) are
not.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from agent.errors import DeliveryFailed

from .message import Message
from .settings import EmailSink
from .sink import Delivered, secret


def compose_email(message: Message, sender: str, to: list[str], root: str | None) -> EmailMessage:
    """The email for ``message``: plain text (the Markdown report) with threading headers."""
    mail = EmailMessage()
    mail["Subject"] = ("Re: " if root else "") + message.title
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{message.investigation_id}.{message.digest}@incident-agent>"
    if root:
        mail["In-Reply-To"] = root
        mail["References"] = root
    link = f"\n\nLive report: {message.report_url}\n" if message.report_url else "\n"
    mail.set_content(message.markdown + link)
    return mail


class EmailSender:
    """Sends through one SMTP relay."""

    def __init__(self, settings: EmailSink) -> None:
        self.name = settings.name
        self.settings = settings
        self._password = settings.credential() if settings.username else None

    def _tls(self) -> ssl.SSLContext:
        ca = self.settings.ca_file
        return ssl.create_default_context(cafile=str(ca.expanduser()) if ca else None)

    def deliver(self, message: Message, root: str | None) -> Delivered:
        """Send the report; the remote id is its ``Message-ID``."""
        to = message.recipients or self.settings.to
        if not to:
            raise DeliveryFailed(
                f"{self.name}: no recipients (catalogue owners or 'to')", retryable=False
            )
        mail = compose_email(message, self.settings.from_address, to, root)
        settings = self.settings
        try:
            with smtplib.SMTP(
                settings.host, settings.port, timeout=settings.timeout_seconds
            ) as smtp:
                smtp.ehlo()
                if settings.starttls:
                    smtp.starttls(context=self._tls())
                    smtp.ehlo()
                if settings.username:
                    smtp.login(settings.username, secret(self.name, self._password, "password"))
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(
                f"{self.name}: SMTP {exc.smtp_code} from {settings.host}",
                retryable=400 <= exc.smtp_code < 500,
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryFailed(
                f"{self.name}: {settings.host} does not offer STARTTLS; refusing to send in clear",
                retryable=False,
            ) from None
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryFailed(
                f"{self.name}: every recipient was refused", retryable=False
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(
                f"{self.name}: {settings.host}:{settings.port}: {type(exc).__name__}",
                retryable=True,
            ) from None
        return Delivered("updated" if root else "posted", str(mail["Message-ID"]))
