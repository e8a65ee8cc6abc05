"""The web console of ``agent serve``: investigations, evidence charts, approvals.

Server-rendered pages (Jinja2 templates and a small script, shipped in the package; nothing is
loaded from another origin) on the same app and port as the API: ``/`` lists investigations,
``/ui/investigations/ID`` shows one, and its remediations are approved or rejected through the
same gate as ``agent approve``.
"""

from .pages import SecurityHeaders
from .routes import Denied, denied
from .routes import router as console_router

__all__ = ["Denied", "SecurityHeaders", "console_router", "denied"]
