"""`faultline-bench ingest` in both modes, briefly: closed loop (as fast as answers come) and open loop at an offered
rate, where the achieved rate must match the offer and every acknowledged event must be stored."""
import re
import subprocess

from conftest import BENCH_BINARY, BINARY, ROOT


def bench(*args):
    out = subprocess.run([str(BENCH_BINARY), "ingest", "--binary", str(BINARY), "--fixtures", str(ROOT / "Tests/Fixtures/sdk-corpus"),
                          "--no-baseline", "--alert-rules", "0", "--transactions", "0", "--runs", "1", "--duration", "2", *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


def test_offered_rate_is_met_and_everything_acknowledged_is_stored():
    text = bench("--rate", "300")
    assert "offered 300 requests/s (open loop)" in text
    run = next(line for line in text.splitlines() if line.startswith("run 1 ingest"))
    rate = float(re.search(r": (\d+) req/s", run).group(1))
    assert 250 <= rate <= 310, run
    acknowledged, stored = map(int, re.search(r"acknowledged (\d+), stored (\d+)", run).groups())
    assert acknowledged == stored and 500 <= acknowledged <= 620, run
    assert "MISMATCH" not in text


def test_bad_rate_is_refused():
    out = subprocess.run([str(BENCH_BINARY), "ingest", "--binary", str(BINARY), "--rate", "0"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "--rate takes 1 to 1000000" in out.stderr + out.stdout
