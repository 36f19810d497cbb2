#!/usr/bin/env bash
# Rewrites the Dockerfiles of local checkouts (each a folder under ROOT), then
# checks that a second run finds nothing left to do.
#
#   ./examples/bulk/local-checkouts.sh ~/src
#
# slimfile walks folders itself, in parallel, so one call covers them all.
# With GNU parallel or xargs instead (one slimfile per checkout):
#   find ROOT -mindepth 1 -maxdepth 1 -type d -print0 \
#     | xargs -0 -n 1 -P "$(nproc)" sh -c 'cd "$1" && slimfile --write --quiet .' _
#   parallel 'cd {} && slimfile --write --quiet .' ::: ROOT/*/
set -uo pipefail

root="${1:?usage: local-checkouts.sh ROOT}"
slimfile="${SLIMFILE:-slimfile}"

"$slimfile" --write "$root"
status=$?
[ "$status" -eq 2 ] && echo "some Dockerfiles could not be read; see above" >&2
"$slimfile" --check --quiet "$root"
if [ $? -eq 1 ]; then
  echo "a second run still has work to do" >&2
  exit 1
fi
exit "$status"
