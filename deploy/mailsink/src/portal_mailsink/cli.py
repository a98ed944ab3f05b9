"""Command line and process lifecycle.

This module owns configuration (flags, with ``MAILSINK_*`` environment
variables as defaults), stdout logging, and running both servers in one
process: SMTP on aiosmtpd's background thread, HTTP in the main thread, and a
clean stop of both on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

from werkzeug.serving import make_server

from .http import create_app
from .smtp import create_controller
from .store import DEFAULT_MAX_MESSAGES, MessageStore

log = logging.getLogger("portal_mailsink")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="portal-mailsink",
        description="Dev mail sink: SMTP in, Mailpit-compatible JSON API and web page out.",
    )
    # argparse runs `type` on string defaults too, so a bad env value is
    # reported like a bad flag instead of crashing later.
    parser.add_argument("--smtp-host", default=env("MAILSINK_SMTP_HOST", "127.0.0.1"),
                        help="SMTP bind address (env MAILSINK_SMTP_HOST, default %(default)s)")
    parser.add_argument("--smtp-port", type=int, default=env("MAILSINK_SMTP_PORT", "1025"),
                        help="SMTP port (env MAILSINK_SMTP_PORT, default %(default)s)")
    parser.add_argument("--http-host", default=env("MAILSINK_HTTP_HOST", "127.0.0.1"),
                        help="HTTP bind address (env MAILSINK_HTTP_HOST, default %(default)s)")
    parser.add_argument("--http-port", type=int, default=env("MAILSINK_HTTP_PORT", "8025"),
                        help="HTTP port (env MAILSINK_HTTP_PORT, default %(default)s)")
    parser.add_argument("--max-messages", type=int,
                        default=env("MAILSINK_MAX_MESSAGES", str(DEFAULT_MAX_MESSAGES)),
                        help="messages kept in memory, oldest dropped first "
                             "(env MAILSINK_MAX_MESSAGES, default %(default)s)")
    args = parser.parse_args(argv)
    if args.max_messages < 1:
        parser.error("--max-messages must be at least 1")
    return args


def _configure_logging() -> None:
    # Our logger writes bare JSON lines to stdout and does not propagate, so
    # werkzeug's access log and aiosmtpd's warnings stay on stderr.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False


def _event(name: str, **fields) -> None:
    log.info(json.dumps({"event": name, **fields}))


def run(args: argparse.Namespace) -> int:
    store = MessageStore(max_messages=args.max_messages)

    # Bind HTTP first: make_server binds immediately, so a busy port fails
    # before the SMTP thread exists and there is nothing to unwind.
    try:
        http_server = make_server(args.http_host, args.http_port, create_app(store), threaded=True)
    except OSError as error:
        print(f"portal-mailsink: cannot listen on HTTP {args.http_host}:{args.http_port}: {error}", file=sys.stderr)
        return 1
    smtp_controller = create_controller(store, args.smtp_host, args.smtp_port)
    try:
        smtp_controller.start()
    except Exception as error:
        http_server.server_close()
        print(f"portal-mailsink: cannot listen on SMTP {args.smtp_host}:{args.smtp_port}: {error}", file=sys.stderr)
        return 1

    def stop(signum, _frame) -> None:
        # shutdown() blocks until serve_forever() returns, and serve_forever()
        # runs in this (the main) thread, so it must be called from another one.
        threading.Thread(target=http_server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    _event("started", smtp=f"{args.smtp_host}:{args.smtp_port}",
           http=f"http://{args.http_host}:{args.http_port}/")
    try:
        http_server.serve_forever()  # werkzeug closes the socket when this returns
    finally:
        smtp_controller.stop()
        _event("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _configure_logging()
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
