#!/usr/bin/env python3
"""Compare slimfile's parser with BuildKit's own, file by file.

BuildKit's parser comes from the PyPI package `dockerfile` (3.4.0 wraps
moby/buildkit v0.12.5's Go parser). For every file both read, the instructions
must agree on keyword, first and last line, exec form, flags and heredoc count.
Where they differ on a line that `slimfile --dump-syntax` reports as read
differently by BuildKit releases, the difference is counted as explained:
slimfile follows current BuildKit there.

    python3 -m venv /tmp/bk && /tmp/bk/bin/pip install dockerfile==3.4.0
    cargo build --release
    /tmp/bk/bin/python tests/tools/compare_with_buildkit.py FILE...
    /tmp/bk/bin/python tests/tools/compare_with_buildkit.py --generate 3000 --seed 1

Exits 1 if any difference is unexplained. Not run by CI: it is a tool for
checking parser changes against real-world files and generated ones.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import dockerfile

BINARY = os.environ.get("SLIMFILE", "target/release/slimfile")

# Pieces for generated files: the constructs that are easy to get wrong.
KEYWORDS = ["FROM", "from", "RUN", "COPY", "ADD", "CMD", "ENTRYPOINT", "ENV", "ARG",
            "LABEL", "HEALTHCHECK", "HEALTHCHECK CMD", "ONBUILD", "ONBUILD RUN", "SHELL",
            "VOLUME", "EXPOSE", "USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER", "FOO", ""]
WORDS = ["--from=build", "--mount=type=cache,target=/x", "--link", "--", "-x", '"a b"',
         "'q'", '["a", "b"]', "['a']", '["x"', "[]", "<<EOF", "<<-'EOT'", "3<<X", "<<A",
         '"<<EOF"', "${A:-b}", "$HOME", "a=b", "K=", "\\", "\\\\", "`", "é", "日本", "\t",
         "AS", "node:20@sha256:ab", "NONE", "#", "x", '--chown="a"', '"', "'", "a\\ b",
         "\u00a0", "cat"]
ENDINGS = ["\n", "\n", "\n", "\r\n", "\\\n", "\\  \n", "`\n", "\\\\\n", "\\\\\\\n", "\r", ""]
LINES = ["# comment\n", "# escape=`\n", "# syntax=x\n", "# check=a\n", "\n", "  \n",
         "EOF\n", "\tEOT\n", "X\n", "A\n", "  # indented \\\n", "\\\n", " # escape = ` \n"]


def generate(count, seed, directory):
    rng = random.Random(seed)
    paths = []
    for n in range(count):
        lines = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.25:
                lines.append(rng.choice(LINES))
            else:
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
                lines.append(f"{rng.choice(KEYWORDS)} {words}{rng.choice(ENDINGS)}")
        text = "".join(lines)
        if rng.random() < 0.05:
            text = "\ufeff" + text
        path = os.path.join(directory, f"{n:05d}.Dockerfile")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        paths.append(path)
    return paths


def buildkit(text):
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as e:
        return None, str(e)
    return [((c.cmd or "").upper(), c.start_line, c.end_line, c.json, list(c.flags),
             len(c.heredocs)) for c in commands], None


def slimfile(path):
    run = subprocess.run([BINARY, "--dump-syntax", path], capture_output=True, text=True)
    got = [json.loads(line) for line in run.stdout.splitlines()]
    seen = [(o["keyword"], o["start_line"], o["end_line"], o["form"] == "exec", o["flags"],
             o["heredocs"]) for o in got]
    errors = [line for line in run.stderr.splitlines() if ": error:" in line]
    noted = {int(m) for m in re.findall(r":(\d+): warning: BuildKit versions differ", run.stderr)}
    # `# check=` before `# escape=` changes how the whole file is read.
    file_wide = "after `# check=`" in run.stderr
    return seen, errors, noted, file_wide


def compare(path):
    """Returns ("agree" | "explained" | "both-reject" | "differ", detail)."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "skipped", "not UTF-8"
    want, bk_error = buildkit(text)
    got, errors, noted, file_wide = slimfile(path)
    if want is None:
        if errors:
            return "both-reject", ""
        if noted or file_wide:
            return "explained", f"BuildKit v0.12.5 rejects: {bk_error}"
        return "differ", f"BuildKit rejects ({bk_error}), slimfile accepts"
    if errors:
        if noted or file_wide:
            return "explained", errors[0]
        return "differ", f"slimfile rejects ({errors[0]}), BuildKit accepts"
    if got == want:
        return "agree", ""
    if file_wide:
        return "explained", ""
    first = next(((g, w) for g, w in zip(got, want) if g != w), None)
    if first and (first[0][1] in noted or first[1][1] in noted):
        return "explained", ""
    if first is None:
        return "differ", f"{len(got)} instructions, BuildKit {len(want)}"
    return "differ", f"slimfile {first[0]}\n    BuildKit {first[1]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--generate", type=int, default=0, help="also check N generated files")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = list(args.files) + generate(args.generate, args.seed, tmp)
        counts = {}
        for path in paths:
            verdict, detail = compare(path)
            counts[verdict] = counts.get(verdict, 0) + 1
            if verdict == "differ":
                print(f"DIFFER {path}\n    {detail}")
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    sys.exit(1 if counts.get("differ") else 0)


if __name__ == "__main__":
    main()
