#!/bin/sh
# Installs and builds the API; run from the project folder.
set -eu
npm ci
npm run build
