#!/usr/bin/env python3
"""Soak test: a steady mixed load on a real `flexiapi serve` for a while, reporting errors and the
server's memory over time. Not part of the test suite (it takes minutes by design).

    python3 scripts/soak.py --minutes 10 [--binary target/release/flexiapi] [--database URL]

Python standard library only. Every request has an expected status; anything else, or a request
that fails, counts as an error. Prints one line per interval, then a summary; exits 1 on errors.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def call(base, method, path, key=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Host", "localhost")
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--binary", default="target/release/flexiapi")
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--interval", type=float, default=30, help="seconds between reports")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flexiapi-soak-")
    database = args.database or f"sqlite://{tmp}/soak.sqlite"
    server = subprocess.Popen(
        [args.binary, "--database", database, "serve", "--bind", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "FLEXIAPI_LOG": "warn,flexiapi=info"},
    )
    port, key = None, None
    while port is None:
        line = server.stderr.readline()
        if not line:
            sys.exit("the server exited: " + server.stdout.read())
        m = re.search(r"listening.*:(\d+)", line)
        if m:
            port = int(m.group(1))
    for line in server.stdout:
        if "admin API key:" in line:
            key = line.split("admin API key:")[1].strip()
            break
    # Keep draining the server's output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    print(f"server pid {server.pid} on {base}, database {database}", flush=True)

    ids = []
    for i in range(200):
        status, body = call(base, "POST", "/api/accounts", key,
                            {"username": f"seed{i}", "password": "secret123", "activated": True})
        assert status == 200, (status, body)
        ids.append(json.loads(body)["id"])

    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.time() + args.minutes * 60
    created = [0]

    def one(rng):
        choice = rng.random()
        if choice < 0.25:
            return call(base, "GET", "/api/ping"), {200}
        if choice < 0.50:
            return call(base, "GET", "/api/accounts/me", key), {200}
        if choice < 0.65:
            return call(base, "GET", f"/api/accounts/{rng.choice(ids)}", key), {200}
        if choice < 0.75:
            return call(base, "GET", f"/api/accounts?page={rng.randint(1, 10)}", key), {200}
        if choice < 0.85:
            with lock:
                created[0] += 1
                n = created[0]
            return call(base, "POST", "/api/accounts", key,
                        {"username": f"soak{n}", "password": "secret123"}), {200}
        if choice < 0.95:
            return call(base, "GET", f"/api/accounts/seed{rng.randint(0, 199)}@localhost/search", key), {200}
        # A wrong key: refused (401), or 429 once the address used its failure budget.
        return call(base, "GET", "/api/accounts/me", "wrong-key"), {401, 429}

    def worker(seed):
        rng = random.Random(seed)
        while time.time() < deadline:
            try:
                (status, _), expected = one(rng)
                ok = status in expected
            except Exception:
                ok = False
            with lock:
                counts["requests"] += 1
                counts["errors"] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
    started = time.time()
    for t in threads:
        t.start()
    print(f"{'elapsed':>8} {'requests':>9} {'req/s':>7} {'errors':>7} {'rss MiB':>8}", flush=True)
    last, peak = 0, 0
    while any(t.is_alive() for t in threads):
        time.sleep(min(args.interval, max(0.1, deadline - time.time() + 0.5)))
        with lock:
            done, errors = counts["requests"], counts["errors"]
        rss = rss_kib(server.pid) / 1024
        peak = max(peak, rss)
        elapsed = time.time() - started
        print(f"{elapsed:8.0f} {done:9d} {(done - last) / args.interval:7.0f} {errors:7d} {rss:8.1f}", flush=True)
        last = done
    for t in threads:
        t.join()
    alive = server.poll() is None
    server.terminate()
    clean = server.wait(timeout=60) == 0
    print(f"total {counts['requests']} requests, {counts['errors']} errors, peak RSS {peak:.1f} MiB, "
          f"server alive until the end: {alive}, clean exit: {clean}", flush=True)
    sys.exit(0 if counts["errors"] == 0 and alive and clean else 1)


if __name__ == "__main__":
    main()
