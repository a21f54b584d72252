"""The issue search language over issues the real sentry-sdk made: statuses, levels, releases (and latest), tags,
negation, lists, has:, user fields, counts, ages, wildcards, free text, assignment and bookmarks; bad syntax is a
400 that says where."""
import json
import urllib.parse

from conftest import run_sdk

SEED = r"""
import os, time, sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration
def send(release, env, fn, user, tags, level="error", n=1, handled=True):
    sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release=release, environment=env, default_integrations=False)
    for _ in range(n):
        with sentry_sdk.new_scope() as scope:
            scope.set_user(user)
            for k, v in tags.items():
                scope.set_tag(k, v)
            scope.level = level
            try:
                fn()
            except Exception as e:
                if handled:
                    sentry_sdk.capture_exception(e)
                else:
                    sentry_sdk.capture_event({"exception": {"values": [{"type": type(e).__name__, "value": str(e),
                        "mechanism": {"type": "excepthook", "handled": False}}]}, "level": level})
    sentry_sdk.flush()
def checkout(): raise KeyError("sku")
def refund(): raise ValueError("negative amount")
def login(): raise PermissionError("AUTH_INVALID_TOKEN")
def cart(): raise TypeError("cart is None")
send("shop@1.0", "production", checkout, {"id": "42", "email": "ann@example.com"}, {"server": "web-1", "tenant": "acme"}, n=12)
send("shop@1.0", "staging", refund, {"email": "bob@example.com"}, {"server": "web-2"}, level="warning", n=2)
send("shop@1.1", "production", login, {"id": "7"}, {"server": "api-1", "tenant": "globex"}, level="fatal", handled=False)
send("shop@1.1", "production", cart, {"username": "carol"}, {"tenant": "acme corp"}, n=3)
"""


def search(server, query, token=None, expect=200):
    status, body = server.api("/api/0/projects/faultline/default/issues/?query=" + urllib.parse.quote(query), token=token)
    assert status == expect, (query, body)
    return body if expect != 200 else sorted(i["title"].split(":")[0] for i in body)


def test_search_language(server):
    run_sdk(server.dsn, SEED)
    assert search(server, "") == ["KeyError", "PermissionError", "TypeError", "ValueError"]
    assert search(server, "level:warning") == ["ValueError"]
    assert search(server, "level:[fatal, warning]") == ["PermissionError", "ValueError"]
    assert search(server, "!level:error") == ["PermissionError", "ValueError"]
    assert search(server, "release:shop@1.0") == ["KeyError", "ValueError"]
    assert search(server, "release:latest") == ["PermissionError", "TypeError"]
    assert search(server, "firstRelease:shop@1.1") == ["PermissionError", "TypeError"]
    assert search(server, "release:shop@1.*") == ["KeyError", "PermissionError", "TypeError", "ValueError"]
    assert search(server, "environment:staging") == ["ValueError"]
    assert search(server, "!environment:production") == ["ValueError"]
    assert search(server, "server:web-*") == ["KeyError", "ValueError"]
    assert search(server, "tenant:[acme, globex]") == ["KeyError", "PermissionError"]
    assert search(server, 'tenant:"acme corp"') == ["TypeError"]
    assert search(server, "tags[tenant]:globex") == ["PermissionError"]
    assert search(server, "has:tenant") == ["KeyError", "PermissionError", "TypeError"]
    assert search(server, "!has:tenant") == ["ValueError"]
    assert search(server, "user.id:42") == ["KeyError"]
    assert search(server, "user.email:bob@example.com") == ["ValueError"]
    # Ann has an id and an email: the user tag holds the id, and her email is found all the same.
    assert search(server, "user.email:ann@example.com") == ["KeyError"]
    assert search(server, "!user.email:ann@example.com") == ["PermissionError", "TypeError", "ValueError"]
    assert search(server, "user.username:carol") == ["TypeError"]
    assert search(server, "timesSeen:>10") == ["KeyError"]
    assert search(server, "timesSeen:<=2") == ["PermissionError", "ValueError"]
    assert search(server, "is:unhandled") == ["PermissionError"]
    assert search(server, "firstSeen:-24h") == ["KeyError", "PermissionError", "TypeError", "ValueError"]
    assert search(server, "age:+1d") == []
    assert search(server, "lastSeen:>2000-01-01") == ["KeyError", "PermissionError", "TypeError", "ValueError"]
    assert search(server, "AUTH_INVALID_TOKEN") == ["PermissionError"]
    assert search(server, "negative amount") == ["ValueError"]
    assert search(server, "cart*None") == ["TypeError"]
    assert search(server, "environment:production tenant:acme sku") == ["KeyError"]
    # Free text goes through the trigram index, and means what the plain substring search means: any case, any
    # punctuation, FTS5's own syntax taken literally, NULs and runs too short for a trigram included.
    assert search(server, "auth_invalid") == ["PermissionError"]
    assert search(server, '"negative amount"') == ["ValueError"]
    assert search(server, "is None") == ["TypeError"]
    assert search(server, "ne") == ["PermissionError", "TypeError", "ValueError"]
    assert search(server, "NEAR(cart None)") == []
    assert search(server, "cart OR sku") == []
    assert search(server, "title:cart") == []
    assert isinstance(search(server, "sku\x00extra"), list)  # a 200 (it was a 500: the NUL ended the FTS5 query)
    assert search(server, "%") == []

    # Assignment and bookmarks.
    issue = next(i for i in server.api("/api/0/projects/faultline/default/issues/?query=level:fatal")[1])
    body = json.dumps({"assignedTo": server.login, "isBookmarked": True}).encode()
    assert server.request("PUT", f"/api/0/issues/{issue['id']}/", body=body,
                          headers={"Authorization": f"Bearer {server.token}"})[0] == 200
    assert search(server, "assigned:me") == ["PermissionError"]
    assert search(server, f"assigned:{server.login}") == ["PermissionError"]
    assert search(server, "is:assigned") == ["PermissionError"]
    assert search(server, "is:unassigned") == ["KeyError", "TypeError", "ValueError"]
    assert search(server, "bookmarks:me") == ["PermissionError"]
    # The organization's list takes the same language.
    status, org = server.api("/api/0/organizations/faultline/issues/?query=" + urllib.parse.quote("tenant:acme level:error"))
    assert status == 200 and [i["title"].split(":")[0] for i in org] == ["KeyError"]


def test_bad_search_syntax_is_a_400_that_says_where(server):
    for query, words in [('browser:"Chrome', "position 9: unclosed quote"), ("tenant:[a, b", "position 8: unclosed '['"),
                         ("is:bogus", "position 1: unknown value"),
                         ("level:error timesSeen:lots", "position 13: expected a number"),
                         ("firstSeen:-3x", "expected an age"), ("assigned:nobody@example.com", "no member"),
                         ("tenant: acme", "has no value")]:
        body = search(server, query, expect=400)
        assert words in body["detail"], (query, body)


def test_errors_are_classified_as_a_searchable_tag(server):
    from conftest import run_sdk
    run_sdk(server.dsn, """
import os, json, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
def fail(error):
    try:
        raise error
    except Exception:
        sentry_sdk.capture_exception()
fail(TimeoutError("timed out waiting for the payment provider"))
fail(PermissionError(13, "Permission denied", "/var/lib/app/secret"))
fail(ConnectionRefusedError(111, "Connection refused"))
try:
    json.loads("{nope")
except Exception:
    sentry_sdk.capture_exception()
fail(ZeroDivisionError("division by zero"))
sentry_sdk.flush()
""")
    expected = {"TimeoutError": "timeout", "PermissionError": "permission", "ConnectionRefusedError": "network",
                "JSONDecodeError": "validation", "ZeroDivisionError": "other"}
    import time

    def issues():
        return server.api("/api/0/projects/faultline/default/issues/?query=")[1]
    deadline = time.time() + 10
    while time.time() < deadline and len(issues()) < 5:
        time.sleep(0.1)
    for issue in issues():
        kind = issue["title"].split(":")[0]
        status, tags = server.api(f"/api/0/issues/{issue['id']}/tags/error.class/values/")
        assert status == 200 and [t["value"] for t in tags] == [expected[kind]], (kind, tags)
        assert issue["errorClass"] == expected[kind], issue
    assert search(server, "error.class:timeout") == ["TimeoutError"]
    assert len(search(server, "!error.class:other")) == 4
