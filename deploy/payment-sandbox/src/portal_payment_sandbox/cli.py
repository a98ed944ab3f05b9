"""`portal-payment-sandbox [--host H] [--port P] ...`: serve the dev payment processor until Ctrl-C."""
from __future__ import annotations

import argparse
import os
import sys

from werkzeug.serving import make_server

from portal_payment_sandbox.app import Credentials, create_app
from portal_payment_sandbox.processor import Sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="portal-payment-sandbox",
                                     description="Dev payment processor in CardPointe's REST shape, with a tokenizer page.")
    parser.add_argument("--host", default=env("PAYMENT_SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=env("PAYMENT_SANDBOX_PORT", "8027"))
    parser.add_argument("--merchant-id", default=env("PAYMENT_SANDBOX_MERCHANT_ID", "800000000800"))
    parser.add_argument("--username", default=env("PAYMENT_SANDBOX_USERNAME", "testing"))
    parser.add_argument("--password", default=env("PAYMENT_SANDBOX_PASSWORD", "testing123"))
    parser.add_argument("--timeout-seconds", type=float, default=env("PAYMENT_SANDBOX_TIMEOUT_SECONDS", "40"),
                        help="how long the timeout card keeps the caller waiting")
    parser.add_argument("--ach-settle-seconds", type=float, default=env("PAYMENT_SANDBOX_ACH_SETTLE_SECONDS", "30"),
                        help="how long after it is made an ACH debit settles (or is returned)")
    parser.add_argument("--frame-ancestors", default=env("PAYMENT_SANDBOX_FRAME_ANCESTORS", "*"),
                        help="the CSP frame-ancestors of the tokenizer page")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sandbox = Sandbox(merchid=args.merchant_id, timeout_seconds=args.timeout_seconds,
                      ach_settle_seconds=args.ach_settle_seconds)
    app = create_app(sandbox, Credentials(args.username, args.password), frame_ancestors=args.frame_ancestors)
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as exc:
        print(f"portal-payment-sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"portal-payment-sandbox: http://{args.host}:{args.port}/cardconnect/rest/ "
          f"(merchant {args.merchant_id}; tokenizer at /itoke/ajax-tokenizer.html)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
