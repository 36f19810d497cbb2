#!/usr/bin/env bash
# Seeds both fuzz corpora with the project's own Dockerfiles.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parse corpus/rewrite
i=0
for f in ../tests/fixtures/*/*.Dockerfile ../examples/*/Dockerfile; do
  i=$((i + 1))
  cp "$f" "corpus/parse/seed-$i"
  cp "$f" "corpus/rewrite/seed-$i"
done
echo "seeded $i files"
