"""The shared gunicorn settings, run for real: no answer names the server software."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

APP = '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_with_the_shared_settings_sends_no_server_header(tmp_path: Path):
    port = _free_port()
    (tmp_path / "tiny_app.py").write_text(APP)
    (tmp_path / "gunicorn.conf.py").write_text(
        "from portal_shared.gunicorn_conf import *  # noqa\n"
        f"bind = '127.0.0.1:{port}'\nworkers = 1\nwsgi_app = 'tiny_app:app'\n")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "-c", str(tmp_path / "gunicorn.conf.py"), "--chdir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert "Server" not in response.headers
        assert response.headers["Date"]  # gunicorn's other default headers are untouched
    finally:
        proc.terminate()
        proc.wait(timeout=15)
