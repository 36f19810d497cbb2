#!/usr/bin/env python3
"""Rewrites every example with the release binary and checks each output with tools
slimfile did not write: BuildKit's parser, the runtime-contract checks of checker.py,
hadolint and dockerfile-utils. Prints one line per example and `N passed, N failed`.

    python3 tests/checker/check.py --slimfile target/release/slimfile \
        --hadolint PATH --dockerfile-utils PATH

.ci/run sets up the pinned tools (tests/checker/requirements.txt, package.json).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checker  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Examples also checked with a flavour other than the default.
EXTRA_FLAVORS = [
    ("node-native-bcrypt", "alpine"),
    ("node-distroless", "distroless"),
    ("node-express-npm-ci", "distroless"),
    ("node-classic", "alpine"),
    ("node-alpine-system-packages", "alpine"),
    ("node-distroless-user", "distroless"),
    ("node-healthcheck-script", "alpine"),
    ("java-maven-wrapper", "distroless"),
    ("java-prebuilt-jar", "distroless"),
    ("java-gradle-kotlin-bootjar", "distroless"),
]


def rewrite(slimfile, folder, flavor):
    args = [slimfile, "-", "--context", folder] + (["--flavor", flavor] if flavor else [])
    with open(os.path.join(folder, "Dockerfile"), "rb") as f:
        run = subprocess.run(args, stdin=f, capture_output=True)
    if run.returncode != 0:
        raise RuntimeError(f"slimfile exited {run.returncode}: {run.stderr.decode()}")
    return run.stdout.decode()


def lint_problems(original, rewritten, hadolint, dockerfile_utils):
    problems = []
    if hadolint:
        before = checker.lint_hadolint(hadolint, original)
        after = checker.lint_hadolint(hadolint, rewritten)
        # hadolint 2.15 cannot parse a heredoc followed directly by an instruction; on a
        # file BuildKit accepts that is hadolint's limit, not a finding.
        after.discard("DL1000")
        for code in sorted(after - before - set(checker.REVIEWED_LINT)):
            problems.append(f"hadolint {code} is new")
    if dockerfile_utils:
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for name, text in (("before", original), ("after", rewritten)):
                path = os.path.join(tmp, name)
                with open(path, "w") as f:
                    f.write(text)
                paths.append(path)
            before = checker.lint_dockerfile_utils(dockerfile_utils, paths[0])
            after = checker.lint_dockerfile_utils(dockerfile_utils, paths[1])
        for message in sorted(after - before):
            problems.append(f"dockerfile-utils: {message} is new")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slimfile", default=os.path.join(ROOT, "target/release/slimfile"))
    parser.add_argument("--hadolint")
    parser.add_argument("--dockerfile-utils")
    args = parser.parse_args()
    examples = os.path.join(ROOT, "examples")
    cases = [(d, None) for d in sorted(os.listdir(examples))
             if os.path.isfile(os.path.join(examples, d, "Dockerfile"))]
    cases += EXTRA_FLAVORS
    passed = failed = 0
    for name, flavor in cases:
        folder = os.path.join(examples, name)
        label = name + (f" --flavor {flavor}" if flavor else "")
        with open(os.path.join(folder, "Dockerfile")) as f:
            original = f.read()
        package_json = None
        if os.path.exists(os.path.join(folder, "package.json")):
            with open(os.path.join(folder, "package.json")) as f:
                package_json = json.load(f)
        try:
            rewritten = rewrite(args.slimfile, folder, flavor)
            problems = checker.check(original, rewritten, package_json)
            if rewritten != original:
                problems += lint_problems(original, rewritten, args.hadolint, args.dockerfile_utils)
        except Exception as e:  # a crash is a failure with its message
            problems = [f"{type(e).__name__}: {e}"]
        kind = "rewritten" if rewritten != original else "left as it was"
        if problems:
            failed += 1
            print(f"FAIL {label} ({kind})")
            for p in problems:
                print(f"     {p}")
        else:
            passed += 1
            print(f"ok   {label} ({kind})")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
