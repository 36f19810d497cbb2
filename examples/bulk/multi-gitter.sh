#!/usr/bin/env bash
# Rewrites the Dockerfiles of every repository of an organisation with
# multi-gitter, which clones, runs the step, commits and opens pull requests.
#
#   GITHUB_TOKEN=…  ./examples/bulk/multi-gitter.sh my-org
#
# Add --dry-run to see what would change. Install multi-gitter first
# (https://github.com/lindell/multi-gitter); slimfile must be on the PATH.
set -euo pipefail

org="${1:?usage: multi-gitter.sh ORGANISATION}"
step="$(cd "$(dirname "$0")" && pwd)/slimfile-step.sh"

multi-gitter run "$step" \
  --org "$org" \
  --branch slimfile/multi-stage \
  --commit-message "Build the image in two stages with slimfile" \
  --pr-title "Smaller image: multi-stage build" \
  --pr-body "Rewritten by slimfile. Please read the diff and build the image before merging."
