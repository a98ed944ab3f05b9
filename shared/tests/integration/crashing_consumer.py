"""Run as a separate process: a consumer that dies after committing its effect, before acking.

    python crashing_consumer.py <database url> <amqp url> <namespace>
"""
import os
import sys
import threading

import sqlalchemy as sa

from portal_shared.bus.consumer import Consumer
from portal_shared.config import BusSettings
from portal_shared.db import Database

CRASH_EXIT_CODE = 17


def record_effect(session, envelope):
    session.execute(sa.text("INSERT INTO effects (message_id, note) VALUES (:m, 'applied')"), {"m": envelope.id})


class CrashingConsumer(Consumer):
    def before_ack(self, envelope):
        os._exit(CRASH_EXIT_CODE)  # the effect is committed; the ack never leaves


if __name__ == "__main__":
    db_url, amqp_url, namespace = sys.argv[1:4]
    settings = BusSettings(url=amqp_url, namespace=namespace, retry_delays_ms=(200, 400), max_retries=2)
    consumer = CrashingConsumer(name="crashy", handlers={"thing_happened": record_effect}, db=Database(db_url),
                                settings=settings)
    consumer.run(threading.Event())
