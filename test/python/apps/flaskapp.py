"""A Flask app (when Flask is installed)."""
from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def index():
    return "flask " + request.args.get("x", "")


@app.route("/post", methods=["POST"])
def post():
    return "got %d" % len(request.get_data())
