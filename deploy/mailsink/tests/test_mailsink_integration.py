"""End-to-end tests: run the real ``python -m portal_mailsink`` process on free
ports, send mail with smtplib, and read it back over HTTP."""

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest


def free_ports(count):
    # Hold all sockets open while choosing so the ports are distinct.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def http(port, method, path, body=None):
    """(status, content type, body bytes); HTTP errors are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def api(port, method, path, body=None):
    status, _, payload = http(port, method, path, body)
    assert status == 200, (status, payload)
    return json.loads(payload)


class Sink:
    def __init__(self, tmp_path, env=None, args=None):
        self.smtp_port, self.http_port = free_ports(2)
        self.stdout = tmp_path / "stdout.log"
        self.stderr = tmp_path / "stderr.log"
        if args is None:
            args = ["--smtp-port", str(self.smtp_port), "--http-port", str(self.http_port)]
        with open(self.stdout, "wb") as out, open(self.stderr, "wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "portal_mailsink", *args],
                                            stdout=out, stderr=err, env=env)

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"mailsink exited with {self.process.returncode}: {self.stderr.read_text()}")
            try:
                if http(self.http_port, "GET", "/livez")[:1] == (200,):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail("mailsink did not become ready")

    def log_lines(self):
        return [json.loads(line) for line in self.stdout.read_text().splitlines() if line.strip()]

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    running = Sink(tmp_path_factory.mktemp("mailsink")).wait_ready()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def empty_mailbox(request):
    if "sink" in request.fixturenames:
        sink = request.getfixturevalue("sink")
        assert http(sink.http_port, "DELETE", "/api/v1/messages")[0] == 200


def send(sink, subject, *, to=("bob@example.com",), cc=(), bcc=(), html=None, attachment=None):
    msg = EmailMessage()
    msg["From"] = "Portal Notifications <noreply@portal.test>"
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg.set_content(f"Text body of {subject}\n")
    if html:
        msg.add_alternative(html, subtype="html")
    if attachment:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=10) as client:
        client.send_message(msg, to_addrs=[*to, *cc, *bcc])
    return msg


def test_multipart_mail_round_trip(sink):
    send(sink, "Wïllkommen, tenant #42",
         to=("Bob <bob@example.com>",), cc=("carol@example.com",), bcc=("audit@example.com",),
         html="<p>Hello <b>Bob</b> &amp; team</p>", attachment=("report.csv", b"a,b\n1,2\n"))

    listing = api(sink.http_port, "GET", "/api/v1/messages")
    assert (listing["total"], listing["unread"], listing["count"]) == (1, 1, 1)
    summary = listing["messages"][0]
    assert summary["Subject"] == "Wïllkommen, tenant #42"
    assert summary["From"] == {"Name": "Portal Notifications", "Address": "noreply@portal.test"}
    assert summary["To"] == [{"Name": "Bob", "Address": "bob@example.com"}]
    assert summary["Cc"] == [{"Name": "", "Address": "carol@example.com"}]
    assert summary["Bcc"] == [{"Name": "", "Address": "audit@example.com"}]
    assert summary["Attachments"] == 1
    assert summary["Snippet"] == "Text body of Wïllkommen, tenant #42"
    assert summary["Read"] is False

    detail = api(sink.http_port, "GET", f"/api/v1/message/{summary['ID']}")
    assert detail["ID"] == summary["ID"] and detail["MessageID"] == summary["MessageID"] != ""
    assert detail["Text"].strip() == "Text body of Wïllkommen, tenant #42"
    assert detail["HTML"].strip() == "<p>Hello <b>Bob</b> &amp; team</p>"
    assert detail["ReturnPath"] == "noreply@portal.test"
    assert [(a["FileName"], a["Size"]) for a in detail["Attachments"]] == [("report.csv", 8)]
    assert detail["Inline"] == [] and detail["Tags"] == []

    status, content_type, raw = http(sink.http_port, "GET", f"/api/v1/message/{summary['ID']}/raw")
    assert (status, content_type) == (200, "text/plain")
    assert b"Subject: =?utf-8?q?W=C3=AFllkommen" in raw and len(raw) == summary["Size"]

    # Exactly one JSON log line per message, with what an operator needs.
    received = [line for line in sink.log_lines() if line["event"] == "message_received"]
    entry = next(line for line in received if line["id"] == summary["ID"])
    assert entry["rcpt_to"] == ["bob@example.com", "carol@example.com", "audit@example.com"]
    assert entry["subject"] == "Wïllkommen, tenant #42"


def test_delete_by_ids_and_delete_all(sink):
    for subject in ("first", "second", "third"):
        send(sink, subject)
    messages = api(sink.http_port, "GET", "/api/v1/messages")["messages"]
    assert [m["Subject"] for m in messages] == ["third", "second", "first"]
    by_subject = {m["Subject"]: m["ID"] for m in messages}

    status, _, body = http(sink.http_port, "DELETE", "/api/v1/messages",
                           {"IDs": [by_subject["first"], by_subject["third"]]})
    assert (status, body) == (200, b"ok")
    remaining = api(sink.http_port, "GET", "/api/v1/messages")
    assert remaining["total"] == 1 and remaining["messages"][0]["Subject"] == "second"
    status, _, _ = http(sink.http_port, "GET", f"/api/v1/message/{by_subject['first']}")
    assert status == 404

    status, _, body = http(sink.http_port, "DELETE", "/api/v1/messages")
    assert (status, body) == (200, b"ok")
    assert api(sink.http_port, "GET", "/api/v1/messages")["total"] == 0


def test_html_pages(sink):
    send(sink, "Reset <your> password", html='<a href="https://portal.test/reset?t=1&u=2">reset</a>')
    message_id = api(sink.http_port, "GET", "/api/v1/messages")["messages"][0]["ID"]

    status, content_type, index = http(sink.http_port, "GET", "/")
    assert (status, content_type) == (200, "text/html")
    index = index.decode()
    assert f'<a href="/view/{message_id}">Reset &lt;your&gt; password</a>' in index
    assert "bob@example.com" in index

    status, _, view = http(sink.http_port, "GET", f"/view/{message_id}")
    view = view.decode()
    assert status == 200
    assert "Text body of Reset &lt;your&gt; password" in view
    assert ('srcdoc="&lt;a href=&#34;https://portal.test/reset?t=1&amp;u=2&#34;&gt;reset&lt;/a&gt;'
            in view)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_both_servers_cleanly(tmp_path, sig):
    smtp_port, http_port = free_ports(2)
    # Configure through the environment this time, as docker-compose would.
    env = {**os.environ, "MAILSINK_SMTP_PORT": str(smtp_port), "MAILSINK_HTTP_PORT": str(http_port)}
    sink = Sink(tmp_path, env=env, args=[])
    sink.smtp_port, sink.http_port = smtp_port, http_port
    sink.wait_ready()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        assert client.noop()[0] == 250

    assert sink.stop(sig) == 0
    events = [line["event"] for line in sink.log_lines()]
    assert events == ["started", "stopped"]
    for port in (smtp_port, http_port):  # both listeners are really gone
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.parametrize("busy_side", ["smtp", "http"])
def test_busy_port_fails_fast(tmp_path, busy_side):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        ports = {"smtp": free_ports(1)[0], "http": free_ports(1)[0], busy_side: busy.getsockname()[1]}
        sink = Sink(tmp_path, args=["--smtp-port", str(ports["smtp"]), "--http-port", str(ports["http"])])
        assert sink.process.wait(timeout=15) == 1
    assert str(ports[busy_side]) in sink.stderr.read_text()
    assert sink.log_lines() == []  # never announced "started"
