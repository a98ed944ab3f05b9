"""`portal-webhook-receiver [--host H] [--port P] [--secret whsec_...]...`: serve the receiver until Ctrl-C."""
from __future__ import annotations

import argparse
import os
import sys

from werkzeug.serving import make_server

from portal_webhook_receiver.app import Receiver, create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="portal-webhook-receiver",
                                     description="Dev webhook receiver: shows what arrived and whether it verifies.")
    parser.add_argument("--host", default=env("WEBHOOK_RECEIVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=env("WEBHOOK_RECEIVER_PORT", "8026"))
    parser.add_argument("--secret", action="append", default=[s for s in env("WEBHOOK_RECEIVER_SECRETS", "").split(",")
                                                               if s.strip()],
                        help="a whsec_ secret to verify with (repeatable; env WEBHOOK_RECEIVER_SECRETS)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        receiver = Receiver(args.secret)
    except Exception as exc:  # noqa: BLE001
        print(f"portal-webhook-receiver: bad secret: {exc}", file=sys.stderr)
        return 2
    try:
        server = make_server(args.host, args.port, create_app(receiver), threaded=True)
    except OSError as exc:
        print(f"portal-webhook-receiver: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"portal-webhook-receiver: http://{args.host}:{args.port}/ (POST webhooks to /hooks/...)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
