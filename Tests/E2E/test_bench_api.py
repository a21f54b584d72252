"""`faultline bench-api` on a small seeded history: it seeds, starts the server, times every read through HTTP,
shows the query plans, and finds no scan of `events` (the full-size figures are in Docs/performance.md)."""
import subprocess

from conftest import BINARY


def test_bench_api_runs_small():
    out = subprocess.run([str(BINARY), "bench-api", "--events", "20000", "--issues", "500", "--requests", "5",
                          "--target", "1000"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    for read in ["issues is:unresolved, by date", "issues with a tag filter", "issue page", "events of an issue"]:
        assert read in out.stdout
    assert "SEARCH issues USING INDEX issues_project_last_seen" in out.stdout
    assert "SEARCH ie USING PRIMARY KEY (issue_id=?)" in out.stdout
    assert "no read scans events" in out.stdout
