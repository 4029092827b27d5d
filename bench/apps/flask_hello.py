"""The Flask app the Python contenders serve: the routes of bench/apps/content.mjs, and a JSON view."""
import time

from flask import Flask, jsonify, request

app = Flask(__name__)
HELLO = "Hello, World!"
BIG = "x" * (100 * 1024)
UPLOAD_BYTES = 1024 * 1024


@app.route("/")
def hello():
    return HELLO


@app.route("/big")
def big():
    return BIG


@app.route("/upload", methods=["POST"])
def upload():
    n = len(request.get_data())
    return (HELLO, 200) if n == UPLOAD_BYTES else ("bad length", 400)


@app.route("/sleep")
def sleep():
    time.sleep(0.05)
    return HELLO


@app.route("/json")
def api():
    return jsonify(id=42, name="widget", tags=["a", "b", "c"], price=9.99, stock=True)
