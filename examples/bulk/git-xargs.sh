#!/usr/bin/env bash
# Rewrites the Dockerfiles of many GitHub repositories with git-xargs, which
# clones each, runs the step, commits on a branch and opens a pull request.
#
#   GITHUB_OAUTH_TOKEN=…  ./examples/bulk/git-xargs.sh repos.txt
#
# repos.txt lists one owner/name a line. Install git-xargs first
# (https://github.com/gruntwork-io/git-xargs); slimfile must be on the PATH.
set -euo pipefail

repos="${1:?usage: git-xargs.sh REPOS_FILE}"
step="$(cd "$(dirname "$0")" && pwd)/slimfile-step.sh"

git-xargs \
  --repos "$repos" \
  --branch-name slimfile/multi-stage \
  --commit-message "Build the image in two stages with slimfile" \
  --pull-request-title "Smaller image: multi-stage build" \
  --pull-request-description "Rewritten by slimfile: the original steps run in a builder stage and a slim final stage receives only what the application needs. Please read the diff and build it before merging." \
  "$step"
