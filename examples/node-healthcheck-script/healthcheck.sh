#!/bin/sh
# Used by the image's HEALTHCHECK: wget, which alpine's busybox has too.
wget -q -O- "http://localhost:${PORT:-3000}/health" > /dev/null || exit 1
