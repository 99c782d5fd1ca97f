#!/usr/bin/env bash
# Fetches the nats-server the local three-node cluster runs (pnpm start --cluster, the fault
# suite, the cluster tests) into .wt/nats-server/ of this checkout, where the cluster looks for it
# first: 2.15.1, Debian testing's (forky) and unstable's package, checksum pinned. Debian 12 ships
# 2.9.10, and 2.10.27 (Debian 13's) both lost acknowledged work under a frozen node
# (docs/nats-cluster-server.md). The single embedded node keeps using the nats-server on PATH.
#
# Debian keeps only the current version of a testing package. Once 2.15.1 is gone from the pool,
# the script takes the version forky (then sid) lists now, 2.11 or later, with the checksum from the
# archive's index, whose signature is checked against the Debian archive keyring (gpgv).
# Idempotent; needs only deb.debian.org.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=2.15.1
deb="nats-server_${version}-1_amd64.deb"
sha256=31ef4ceaa84e8248d449e508472e3770c17c3695cb5cb0ee96e03912724ea884
mirror=https://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
target=.wt/nats-server
if [ -x "$target/nats-server" ] && "$target/nats-server" --version 2>/dev/null | grep -q "v${version}\$"; then
  echo "nats-server ${version} already in ${target}"
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "fetch-cluster-server.sh fetches the amd64 package only; put nats-server 2.11 or later on NATS_CLUSTER_SERVER_BIN" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The package a suite lists now, as "<pool path> <sha256> <version>", from its signed index.
listed() {
  local suite=$1
  curl -fsSL --retry 3 -o "$work/InRelease" "$mirror/dists/$suite/InRelease" || return 1
  gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>/dev/null || { echo "the signature of $suite's index does not verify" >&2; return 1; }
  local index_sha
  index_sha=$(awk '/^SHA256:/{s=1; next} /^[^ ]/{s=0} s && $3=="main/binary-amd64/Packages.xz"{print $1}' "$work/Release")
  [ -n "$index_sha" ] || return 1
  curl -fsSL --retry 3 -o "$work/Packages.xz" "$mirror/dists/$suite/main/binary-amd64/Packages.xz" || return 1
  echo "$index_sha  $work/Packages.xz" | sha256sum -c --quiet - || return 1
  xz -dc "$work/Packages.xz" | awk '
    /^Package: /{p=($2=="nats-server")}
    p && /^Version: /{v=$2} p && /^Filename: /{f=$2} p && /^SHA256: /{s=$2}
    /^$/{if (p && f!="") {print f, s, v; exit} p=0}'
}

if curl -fsL --retry 3 -o "$work/$deb" "$mirror/pool/main/n/nats-server/$deb"; then
  echo "$sha256  $work/$deb" | sha256sum -c --quiet -
else
  found=""
  for suite in forky sid; do
    found=$(listed "$suite" || true)
    [ -n "$found" ] && break
  done
  read -r path sha256 listed_version <<<"$found"
  if [ -z "${listed_version:-}" ] || ! dpkg --compare-versions "$listed_version" ge 2.11; then
    echo "no nats-server 2.11 or later found on $mirror (found: ${listed_version:-none}); put one on NATS_CLUSTER_SERVER_BIN" >&2
    exit 1
  fi
  echo "nats-server ${version} is gone from Debian's pool; taking ${listed_version} as Debian lists it"
  deb=$(basename "$path")
  curl -fsSL --retry 3 -o "$work/$deb" "$mirror/$path"
  echo "$sha256  $work/$deb" | sha256sum -c --quiet -
fi
dpkg-deb -x "$work/$deb" "$work/root"
mkdir -p "$target"
install -m 0755 "$work/root/usr/sbin/nats-server" "$target/nats-server"
"$target/nats-server" --version
