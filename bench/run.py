#!/usr/bin/env python3
"""Benchmark: clickup-preflight against the seed's run-prod-checks.sh.

Serves the built-in sandbox with a fixed added latency per request (a
modelled round trip), then runs, alternating, (a) the seed's shell script
read from shared/seeds at run time with only its two URLs pointed at the
sandbox, and (b) `clickup-preflight check` with the same five checks, by
default (latency timed from the requests the checks make) and with
`latency.samples = 3` (the former default: two extra `GET /user`). It
reports wall time, requests to the API (counted by the sandbox), peak RSS,
startup cost, binary size, and a scale table for 1, 10 and 50 workspaces.

Usage: python3 bench/run.py [--rounds N] [--rtt-ms MS] [--seed PATH] [--bin PATH]
Standard library only; needs bash, curl, bc and python3 for the seed script.
The release binary is built first and found where cargo puts it (honouring
CARGO_TARGET_DIR); `--bin` measures a given binary instead, without building.
The seed is read from shared/seeds beside the repository, or from
CLICKUP_PREFLIGHT_SEED, or from --seed.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_NAME = "000_27b780a507f3db91.txt"
BIN = None  # set in main(): the binary under test
TOKEN = "pk_" + "4242424_BENCHTOKENABCDEFGHIJKLMNOPQRSTU"  # split: no token-shaped literal in the repo
FIVE = "auth,rate-limit,latency,workspaces,platform"


def run_measured(argv, env=None, cwd=None):
    """Runs a command; returns (seconds, peak RSS in KiB, exit code, stdout).

    Peak RSS comes from GNU time: a child forked straight from this Python
    process would report Python's own RSS as its maximum (Linux carries the
    pre-exec high-water mark into ru_maxrss). The wall time is taken around
    the whole command; GNU time adds about a millisecond.
    """
    with tempfile.NamedTemporaryFile("r") as rss_file:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file.name, *argv],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        elapsed = time.perf_counter() - start
        rss = int((rss_file.read().strip().splitlines() or ["0"])[-1])
    return elapsed, rss, proc.returncode, proc.stdout.decode(errors="replace")


class Sandbox:
    """A standalone sandbox: fresh rate-limit window and request counter."""

    def __init__(self, rtt_ms, extra=()):
        argv = [str(BIN), "sandbox", "--listen", "127.0.0.1:0", "--scenario", "healthy",
                "--fault", f"latency={rtt_ms}ms", *extra]
        env = dict(os.environ, CLICKUP_API_TOKEN=TOKEN)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        fields = {}
        for line in self.proc.stdout:
            if ":" in line and line.startswith("  "):
                key, value = line.strip().split(":", 1)
                fields[key] = value.split()[0]
            if line.startswith("Press Ctrl-C"):
                break
        self.api = fields["api url"]
        self.statuspage = fields["statuspage url"]
        self.stats = fields["stats url"]

    def requests(self):
        out = subprocess.run(["curl", "-s", self.stats], capture_output=True, text=True, check=True).stdout
        return json.loads(out)["api_requests"]

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def seed_script(seed_path, sandbox):
    """The seed's health script, logic unchanged, URLs pointed at the sandbox."""
    text = Path(seed_path).read_text()
    start = text.index("#!/bin/bash")
    end = text.index('echo "=== Checks Complete ==="') + len('echo "=== Checks Complete ==="')
    script = text[start:end]
    script = script.replace("https://api.clickup.com/api/v2", sandbox.api)
    script = script.replace("https://status.clickup.com/api/v2/summary.json", sandbox.statuspage)
    assert "clickup.com" not in script, "every URL must point at the sandbox"
    return script


def one_run(kind, args, rtt_ms, workdir):
    """One measured run against a fresh sandbox: (seconds, requests, rss, code, out)."""
    sandbox = Sandbox(rtt_ms)
    env = dict(os.environ, CLICKUP_API_TOKEN=TOKEN)
    try:
        before = sandbox.requests()
        if kind == "script":
            path = Path(workdir) / "run-prod-checks.sh"
            path.write_text(seed_script(args.seed, sandbox))
            argv = ["bash", str(path)]
        else:
            argv = [str(BIN), "check", "--api-url", sandbox.api, "--status-url", sandbox.statuspage,
                    "--only", FIVE, "--format", "json", *kind]
        seconds, rss, code, out = run_measured(argv, env=env, cwd=workdir)
        return seconds, sandbox.requests() - before, rss, code, out
    finally:
        sandbox.close()


def startup(workdir):
    repo = Path(workdir) / "repo"
    repo.mkdir(exist_ok=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("hello\n")
    rows = []
    for label, argv in [("--version", [str(BIN), "--version"]),
                        ("check --only secrets (no network)", [str(BIN), "check", "--only", "secrets", "--repo", str(repo)])]:
        samples = [run_measured(argv, cwd=workdir) for _ in range(15)]
        rows.append((label, statistics.median(s[0] for s in samples) * 1000, max(s[1] for s in samples)))
    return rows


def scale(rtt_ms, workdir):
    full = Path(workdir) / "full-budget.toml"
    full.write_text("[api]\nrequest_budget_percent = 100\n")
    rows = []
    for n in (1, 10, 50):
        for label, extra in (("10% budget (default)", []), ("100% budget", ["--config", str(full)])):
            sandbox = Sandbox(rtt_ms, ["--workspaces", str(n)])
            try:
                before = sandbox.requests()
                argv = [str(BIN), "check", "--api-url", sandbox.api, "--status-url", sandbox.statuspage, "--format", "json", *extra]
                seconds, rss, code, out = run_measured(argv, env=dict(os.environ, CLICKUP_API_TOKEN=TOKEN), cwd=workdir)
                requests = sandbox.requests() - before
                hooks = next(c for c in json.loads(out)["checks"] if c["id"] == "webhooks")
                rows.append((n, label, seconds * 1000, requests, rss, hooks["status"], hooks["summary"][:70]))
            finally:
                sandbox.close()
    return rows


def default_seed():
    """The seed script's document: env override, else shared/ beside the repo."""
    if os.environ.get("CLICKUP_PREFLIGHT_SEED"):
        return os.environ["CLICKUP_PREFLIGHT_SEED"]
    return str(ROOT.parent / "shared" / "seeds" / SEED_NAME)


def release_binary():
    """Builds the release binary and returns its path, wherever cargo's target dir is."""
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    return Path(json.loads(meta)["target_directory"]) / "release" / "clickup-preflight"


def main():
    global BIN
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rtt-ms", type=int, default=100)
    parser.add_argument("--seed", default=default_seed(), help="the seed document holding run-prod-checks.sh")
    parser.add_argument("--bin", help="measure this binary instead of building the release one")
    args = parser.parse_args()
    for tool, package in (("bash", "bash"), ("curl", "curl"), ("bc", "bc"), ("python3", "python3"), ("git", "git"), ("/usr/bin/time", "time")):
        if not shutil.which(tool):
            sys.exit(f"bench: `{tool}` is needed (apt-get install {package})")
    if not Path(args.seed).is_file():
        sys.exit(f"bench: the seed document {args.seed} is missing: pass --seed PATH or set CLICKUP_PREFLIGHT_SEED")
    BIN = Path(args.bin).resolve() if args.bin else release_binary()
    if not BIN.is_file():
        sys.exit(f"bench: no binary at {BIN}")

    with tempfile.TemporaryDirectory() as workdir:
        results = {"script": [], "preflight": [], "preflight-3": []}
        samples_three = Path(workdir) / "three-samples.toml"
        samples_three.write_text("[latency]\nsamples = 3\n")
        for _ in range(args.rounds):  # alternating, so drift hits all alike
            results["script"].append(one_run("script", args, args.rtt_ms, workdir))
            results["preflight"].append(one_run([], args, args.rtt_ms, workdir))
            results["preflight-3"].append(one_run(["--config", str(samples_three)], args, args.rtt_ms, workdir))
        for run in results["preflight"] + results["preflight-3"]:
            doc = json.loads(run[4])
            assert all(c["status"] == "pass" for c in doc["checks"]), doc
        start_rows = startup(workdir)
        scale_rows = scale(args.rtt_ms, workdir)

    med = {k: statistics.median(r[0] for r in v) * 1000 for k, v in results.items()}
    req = {k: max(r[1] for r in v) for k, v in results.items()}
    rss = {k: max(r[2] for r in v) for k, v in results.items()}
    version_ms = start_rows[0][1]
    bound = args.rtt_ms + version_ms
    size = BIN.stat().st_size

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
          f"{time.strftime('%Y-%m-%d')}; round trip modelled as {args.rtt_ms} ms per request; "
          f"median of {args.rounds} alternating rounds; command: `python3 bench/run.py`\n")
    print("| run | wall (median) | API requests | peak RSS | vs script |")
    print("|---|---|---|---|---|")
    labels = {"script": "seed `run-prod-checks.sh` (curl, sequential)",
              "preflight": "`clickup-preflight check` (5 checks, default: latency from every request, no extra one)",
              "preflight-3": "`clickup-preflight check` (5 checks, `samples = 3` opted in, the former default)"}
    for k in ("script", "preflight", "preflight-3"):
        ratio = "1" if k == "script" else f"{med['script'] / med[k]:.1f}x faster"
        print(f"| {labels[k]} | {med[k]:.0f} ms | {req[k]} | {rss[k] / 1024:.1f} MiB | {ratio} |")
    slack = args.rtt_ms * 1.5 + 50
    print(f"\nLower bound of clickup-preflight's own serial path: one round trip ({args.rtt_ms} ms) + process "
          f"start ({version_ms:.1f} ms) = {bound:.0f} ms; measured {med['preflight']:.0f} ms, "
          f"{med['preflight'] - bound:.0f} ms above it (target: at most {slack:.0f} ms).")
    print(f"Targets: wall at most 1/3 of the script's: {'met' if med['preflight'] * 3 <= med['script'] else 'NOT met'}; "
          f"within 1.5 round trips + 50 ms of the bound: {'met' if med['preflight'] - bound <= slack else 'NOT met'}; "
          f"fewer requests than the script for the same verdicts: {'met' if req['preflight'] < req['script'] else 'NOT met'}; "
          f"default no slower than with the former default's extra samples: "
          f"{'met' if med['preflight'] <= med['preflight-3'] * 1.05 else 'NOT met'}.\n")
    print("| startup | wall (median of 15) | peak RSS | target |")
    print("|---|---|---|---|")
    for label, ms, kib in start_rows:
        ok = "met" if ms < 20 and kib < 15 * 1024 else "NOT met"
        print(f"| `{label}` | {ms:.1f} ms | {kib / 1024:.1f} MiB | < 20 ms, < 15 MiB: {ok} |")
    print(f"\nBinary: {size / 1024 / 1024:.1f} MiB (`{BIN.name}`, {'given by --bin' if args.bin else 'release build'}).\n")
    print("| workspaces (40 webhooks each) | budget | wall | API requests | peak RSS | webhooks |")
    print("|---|---|---|---|---|---|")
    for n, label, ms, requests, kib, status, summary in scale_rows:
        print(f"| {n} | {label} | {ms:.0f} ms | {requests} | {kib / 1024:.1f} MiB | {status.upper()}: {summary} |")


if __name__ == "__main__":
    main()
