"""Replays every captured SDK request (Tests/Fixtures/sdk-corpus) with this server's key, byte for byte."""
import json
import re

import pytest

from conftest import FIXTURES

STEMS = sorted(p.stem for p in FIXTURES.glob("*.json"))


def item_types(meta, body):
    """Item types of a captured request, read from its decompressed body (br captures lack an item list)."""
    import brotli
    import gzip
    encoding = (meta.get("content_encoding") or "").lower()
    data = gzip.decompress(body) if encoding == "gzip" else brotli.decompress(body) if encoding == "br" else body
    if meta["path"].endswith("/store/"):
        return ["event"]
    types = []
    position = data.index(b"\n") + 1
    while position < len(data):
        end = data.find(b"\n", position)
        end = len(data) if end < 0 else end
        header = json.loads(data[position:end])
        types.append(header["type"])
        length = header.get("length")
        if length is None:
            payload_end = data.find(b"\n", end + 1)
            payload_end = len(data) if payload_end < 0 else payload_end
        else:
            payload_end = end + 1 + length
        position = payload_end + 1
    return types


def replay(server, stem):
    meta = json.loads((FIXTURES / f"{stem}.json").read_text())
    body = (FIXTURES / f"{stem}.body").read_bytes()
    headers = {}
    for name, value in meta["headers"]:
        if name.lower() in ("host", "content-length", "connection", "accept-encoding"):
            continue
        if name.lower() == "x-sentry-auth":
            value = re.sub(r"sentry_key=[0-9a-f]+", f"sentry_key={server.key}", value)
        headers[name] = value
    path = meta["path"].replace("/api/42/", f"/api/{server.project_id}/")
    return meta, server.request(meta["method"], path, body=body, headers=headers)


@pytest.mark.parametrize("stem", STEMS)
def test_replay(server, stem):
    meta, (status, _, body) = replay(server, stem)
    assert status == 200, body
    answer = json.loads(body)
    items = item_types(meta, (FIXTURES / f"{stem}.body").read_bytes())
    if "event" in items or "transaction" in items:
        event_id = answer["id"]
        assert len(event_id) == 32
        status, event = server.event(event_id)
        assert status == 200, event
        assert event["eventID"] == event_id


def test_whole_corpus_in_one_server(server):
    """Every request in one data directory: all accepted, and each event stored exactly once."""
    ids = set()
    for stem in STEMS:
        meta, (status, _, body) = replay(server, stem)
        assert status == 200, (stem, body)
        items = item_types(meta, (FIXTURES / f"{stem}.body").read_bytes())
        if "event" in items or "transaction" in items:
            ids.add(json.loads(body)["id"])
    assert len(ids) > 60
    for event_id in ids:
        status, event = server.event(event_id)
        assert status == 200 and event["eventID"] == event_id
