"""The yardstick of the benchmarks: the smallest Flask app that answers a page and takes a JSON
body, served by the same gunicorn, so that figures are read as ratios to it on the same machine."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/")
def page():
    return "<!doctype html><title>ok</title><p>ok</p>"


@app.post("/answers")
def answers():
    body = request.get_json(force=True)
    return jsonify({"answers": len(body.get("answers", {}))}), 201
