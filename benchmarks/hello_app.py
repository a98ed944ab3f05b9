"""The ceiling of this stack on this machine: Flask saying "hello" under gunicorn (gthread), nothing else.

    gunicorn -w 2 -k gthread --threads 4 -b 127.0.0.1:PORT benchmarks.hello_app:app
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
