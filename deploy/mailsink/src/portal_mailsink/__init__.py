"""portal-mailsink: a dev-only mail sink that can be swapped for Mailpit.

One process runs an SMTP server (``smtp``) that keeps every message it receives
in memory (``store``), and an HTTP server (``http``) that exposes those messages
through a subset of Mailpit's JSON API plus a small HTML page. ``cli`` wires the
pieces together and owns the process lifecycle.
"""

__version__ = "0.1.0"
