"""Operator command for dead letters: list them, and replay them to their consumer's queue.

    portal-dlq list   <consumer>            # e.g. notifications.emails
    portal-dlq replay <consumer> [--id ID] [--all]

Replay republishes with confirms to the consumer's own queue (not the exchange, so other
consumers don't see the event twice), with the retry count reset, then removes the dead letter.
"""
from __future__ import annotations

import argparse
import json
import sys

import pika

from portal_shared.bus.connection import connect
from portal_shared.bus.consumer import ATTEMPT_HEADER, ERROR_HEADER
from portal_shared.bus.topology import Names
from portal_shared.config import BusSettings


def _drain(channel, queue: str):
    """Get every message without acking; the caller acks or lets them requeue on close."""
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            return
        yield method, properties, body


def list_dead_letters(settings: BusSettings, consumer: str) -> list[dict]:
    names = Names(settings.namespace)
    connection = connect(settings)
    try:
        channel = connection.channel()
        entries = []
        for _method, properties, body in _drain(channel, names.dead_letter_queue(consumer)):
            headers = properties.headers or {}
            entries.append({
                "message_id": properties.message_id, "type": properties.type,
                "error": headers.get(ERROR_HEADER), "dead_lettered_at": headers.get("x-portal-dead-lettered-at"),
                "body": body.decode(errors="replace"),
            })
        return entries  # closing the channel unacked returns every message to the queue, in order
    finally:
        connection.close()


def replay_dead_letters(settings: BusSettings, consumer: str, message_id: str | None = None) -> int:
    names = Names(settings.namespace)
    connection = connect(settings)
    try:
        channel = connection.channel()
        publisher = connection.channel()
        publisher.confirm_delivery()
        replayed = 0
        for method, properties, body in _drain(channel, names.dead_letter_queue(consumer)):
            if message_id and properties.message_id != message_id:
                continue
            headers = {k: v for k, v in (properties.headers or {}).items() if k not in (ATTEMPT_HEADER, ERROR_HEADER)}
            headers["x-portal-replayed"] = True
            props = pika.BasicProperties(content_type=properties.content_type, delivery_mode=2,
                                         message_id=properties.message_id, type=properties.type,
                                         correlation_id=properties.correlation_id, headers=headers)
            publisher.basic_publish("", names.queue(consumer), body, props, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            replayed += 1
        return replayed
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portal-dlq", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    lister = sub.add_parser("list", help="show the dead letters of a consumer")
    lister.add_argument("consumer")
    replay = sub.add_parser("replay", help="send dead letters back to their consumer")
    replay.add_argument("consumer")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="message_id", help="only this message id")
    which.add_argument("--all", action="store_true", help="every dead letter of the consumer")
    args = parser.parse_args(argv)
    settings = BusSettings.from_env()
    if args.command == "list":
        entries = list_dead_letters(settings, args.consumer)
        for entry in entries:
            print(json.dumps(entry))
        print(f"{len(entries)} dead letter(s) in {Names(settings.namespace).dead_letter_queue(args.consumer)}",
              file=sys.stderr)
        return 0
    count = replay_dead_letters(settings, args.consumer, args.message_id)
    print(f"replayed {count} message(s) to {Names(settings.namespace).queue(args.consumer)}", file=sys.stderr)
    return 0 if count or args.all else 1


if __name__ == "__main__":
    sys.exit(main())
