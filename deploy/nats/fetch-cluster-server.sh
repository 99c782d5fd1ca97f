#!/usr/bin/env bash
# Fetches nats-server 2.10.27, Debian 13 (trixie)'s package, into .wt/nats-server/ of this
# checkout, where the local three-node cluster (pnpm start --cluster, the fault suite, the
# cluster tests) looks for it first. Debian 12 ships 2.9.10, whose clustered streams were seen,
# under a frozen node, to store one write twice and to lose a write they had acknowledged
# (docs/nats-cluster-server.md). The single embedded node keeps using the nats-server on PATH.
# Idempotent; needs only deb.debian.org. The package's checksum is pinned.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=2.10.27
deb="nats-server_${version}-1+b2_amd64.deb"
sha256=6d913ac987b78734c08537c2adeb1526cf735f216173a9170d94b185fcfe6f8a
target=.wt/nats-server
if [ -x "$target/nats-server" ] && "$target/nats-server" --version 2>/dev/null | grep -q "v${version}\$"; then
  echo "nats-server ${version} already in ${target}"
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "fetch-cluster-server.sh fetches the amd64 package only; put nats-server 2.10 or later on NATS_CLUSTER_SERVER_BIN" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/$deb" "https://deb.debian.org/debian/pool/main/n/nats-server/$deb"
echo "$sha256  $work/$deb" | sha256sum -c --quiet -
dpkg-deb -x "$work/$deb" "$work/root"
mkdir -p "$target"
install -m 0755 "$work/root/usr/sbin/nats-server" "$target/nats-server"
"$target/nats-server" --version
