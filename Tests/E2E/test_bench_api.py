"""`faultline-bench api` on a small seeded history: it seeds, starts the server, times every read through HTTP,
shows the query plans, and finds no scan of `events` or `transactions` (the full-size figures are in
Docs/performance.md)."""
import subprocess

from conftest import BENCH_BINARY, BINARY


def test_bench_api_runs_small():
    out = subprocess.run([str(BENCH_BINARY), "api", "--binary", str(BINARY), "--events", "20000", "--issues", "500", "--requests", "5",
                          "--target", "1000", "--transactions", "20000", "--performance-target", "1000",
                          "--discover-target", "1000"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    for read in ["issues is:unresolved, by date", "issues with a tag filter", "issue page", "events of an issue",
                 "top 50 transactions by p95, 24h", "one transaction's series, 24h", "one trace",
                 "errors by title, 24h (Discover)"]:
        assert read in out.stdout
    assert "SEARCH issues USING INDEX issues_project_last_seen" in out.stdout
    assert "SEARCH ie USING PRIMARY KEY (issue_id=?)" in out.stdout
    assert "seeded 20000 transactions" in out.stdout
    assert "USING COVERING INDEX transactions_project_time" in out.stdout
    assert "errors in a range: SEARCH events USING INTEGER PRIMARY KEY (rowid>?)" in out.stdout
    assert "no read scans a whole table" in out.stdout
