#!/bin/sh
set -e
# Defaults the application reads, unless the container sets them.
export NODE_OPTIONS="${NODE_OPTIONS:---enable-source-maps}"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"
exec "$@"
