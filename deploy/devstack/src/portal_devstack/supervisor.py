"""The foreground supervisor behind `make run`: every process as a direct child, their output interleaved.

Why not honcho (which ran `make run` before): honcho forks a Python process per child to watch it, and runs
each command through `/bin/sh`, so the stack's twenty processes came with forty more, the Python ones about
80 MB each (a fork of the launcher, whose pages Python's reference counting soon copies). Here each child is
started directly (no shell) and one thread per child copies its output, all in this one process.

Semantics kept from honcho: lines prefixed with a timestamp and the process name; Ctrl-C (or SIGTERM)
stops everything; when any process exits, the others are stopped and its exit code is ours.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

STOP_GRACE_SECONDS = 10


@dataclass
class _Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None


class Supervisor:
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self._children: list[_Child] = []
        self._print_lock = threading.Lock()
        self._exited = threading.Event()
        self._first_exit: tuple[str, int] | None = None

    def add(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self._children.append(_Child(name, argv, env))

    def say(self, name: str, line: str) -> None:
        width = max((len(c.name) for c in self._children), default=len(name))
        with self._print_lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {line.rstrip()}\n")
            self.out.flush()

    def run(self) -> int:
        """Start every child and block until one exits or we are told to stop; returns the exit code."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self._children:
                child.process = subprocess.Popen(child.argv, env=child.env, stdout=subprocess.PIPE,
                                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                self.say(child.name, f"started with pid {child.process.pid}")
                threading.Thread(target=self._pump, args=(child,), name=f"out-{child.name}", daemon=True).start()
            self._exited.wait()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        name, code = self._first_exit or ("", 0)
        return code

    def stop(self) -> None:
        running = [c for c in self._children if c.process and c.process.poll() is None]
        for child in running:
            child.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(child.name, "did not stop in time: killed")
                child.process.kill()
                child.process.wait()

    def _pump(self, child: _Child) -> None:
        assert child.process is not None and child.process.stdout is not None
        for raw in iter(child.process.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", "replace"))
        code = child.process.wait()
        if not self._exited.is_set():
            self.say(child.name, f"exited with code {code}: stopping the others")
            self._first_exit = (child.name, code)
            self._exited.set()

    def _on_signal(self, signum, _frame) -> None:
        if self._first_exit is None:
            self._first_exit = ("", 0 if signum == signal.SIGINT else 128 + signum)
        self._exited.set()
