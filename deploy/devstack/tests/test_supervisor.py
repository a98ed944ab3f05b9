"""The supervisor behind `make run`: real child processes, their output, and stopping together."""
from __future__ import annotations

import io
import os
import sys
import time

from portal_devstack.supervisor import Supervisor


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_when_one_process_exits_the_others_are_stopped_and_its_code_is_returned():
    out = io.StringIO()
    supervisor = Supervisor(out=out)
    supervisor.add("sleeper", _python("import time; print('up', flush=True); time.sleep(60)"), dict(os.environ))
    supervisor.add("quitter", _python("import time; time.sleep(0.5); print('bye', flush=True); raise SystemExit(3)"),
                   dict(os.environ))
    started = time.monotonic()
    assert supervisor.run() == 3
    assert time.monotonic() - started < 15
    sleeper = supervisor._children[0].process
    assert sleeper.poll() is not None            # stopped, not orphaned
    lines = out.getvalue().splitlines()
    assert any(line.split(" ", 1)[1].startswith("sleeper | up") for line in lines)
    assert any("quitter | bye" in line for line in lines)
    assert any("quitter | exited with code 3" in line for line in lines)


def test_children_run_without_a_shell_or_a_watcher_process_of_their_own():
    supervisor = Supervisor(out=io.StringIO())
    supervisor.add("child", _python("import os; print(os.getppid(), flush=True)"), dict(os.environ))
    out = io.StringIO()
    supervisor.out = out
    supervisor.run()
    # The child's parent is this very process: no /bin/sh and no forked Python watcher in between.
    assert f"child | {os.getpid()}" in out.getvalue()
