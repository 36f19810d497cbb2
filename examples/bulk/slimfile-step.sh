#!/usr/bin/env bash
# The step a multi-repo tool runs in each checkout: rewrite every Dockerfile
# in place, quietly. Exits 0 when the checkout is done (rewritten, or nothing to
# do), 1 when a Dockerfile could not be read (slimfile's exit 2), so the tool
# skips the pull request for that repository.
#
#   SLIMFILE   the binary to run (default: slimfile on the PATH)
#   FLAVOR     passed as --flavor when set (slim, alpine, distroless)
set -uo pipefail

slimfile="${SLIMFILE:-slimfile}"
args=(--write --quiet)
if [ -n "${FLAVOR:-}" ]; then
  args+=(--flavor "$FLAVOR")
fi

"$slimfile" "${args[@]}" .
status=$?
if [ "$status" -eq 2 ]; then
  echo "slimfile could not read a Dockerfile here; see the messages above" >&2
  exit 1
fi
# Refused and unchanged files are fine: they stay as they were.
exit 0
