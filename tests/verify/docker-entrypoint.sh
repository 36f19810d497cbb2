#!/bin/sh
# The stand-in node images' entrypoint, behaving as the official one does:
# a first argument that is an option, or not a command, is given to node.
set -e
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
