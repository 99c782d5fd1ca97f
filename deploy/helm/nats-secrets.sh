#!/bin/sh
# The NATS secrets of a Helm release of deploy/helm/wt (docs/operations.md, Helm): every NATS
# user's nkey, the authorization file, a CA and the servers' certificate, made by
# deploy/nats/secrets.ts, then stored as the Kubernetes Secrets the chart's values name:
#
#   wt-nats-users   <user>.nk for every user        each pod mounts its own key only
#   wt-nats-auth    authorization.conf              included by the NATS servers (public keys, permissions)
#   wt-nats-tls     tls.crt, tls.key                the NATS servers' certificate, for clients and routes
#   wt-nats-ca      ca.crt                          the CA clients and routes trust
#
# Run it from the repository's root before `helm install`, and again after every upgrade of the
# chart: the authorization file follows the new version's permissions; keys, CA and certificate
# already made are kept (the folder is the record: keep it, or a copy, with your other secrets;
# it holds the CA's key, which the installation itself never needs).
#
#   deploy/helm/nats-secrets.sh [--release wt] [--namespace default] [--out DIR]
#
# Needs Node 24 (`pnpm exec node`, or WT_NODE), openssl, and kubectl (or KUBECTL) for the namespace.
set -eu
release=wt
namespace=default
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --release) release="$2"; shift 2 ;;
    --namespace|-n) namespace="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: deploy/helm/nats-secrets.sh [--release NAME] [--namespace NAMESPACE] [--out DIR]" >&2; exit 2 ;;
  esac
done
: "${out:=.data/helm-nats-secrets/$namespace/$release}"
node="${WT_NODE:-pnpm exec node}"
kubectl="${KUBECTL:-kubectl}"

# The NATS chart's names: <release>-nats (a release whose name holds "nats" keeps its name), its
# client Service and the headless Service its pods' routes use (<pod>.<release>-nats-headless).
case "$release" in
  *nats*) nats="$release" ;;
  *) nats="$release-nats" ;;
esac
hosts=""
for name in "$nats" "*.$nats-headless"; do
  for suffix in "" ".$namespace" ".$namespace.svc" ".$namespace.svc.cluster.local"; do
    hosts="$hosts$name$suffix,"
  done
done
hosts="${hosts}127.0.0.1,localhost"

# shellcheck disable=SC2086
$node deploy/nats/secrets.ts --out "$out" --nodes "$nats" --hosts "$hosts"

# Each Secret made as a manifest and applied, so running again updates it in place.
apply() {
  # shellcheck disable=SC2086
  $kubectl --namespace "$namespace" create secret "$@" --dry-run=client --output=yaml | $kubectl --namespace "$namespace" apply --filename=-
}
set --
for key in "$out"/users/*.nk; do
  set -- "$@" "--from-file=$(basename "$key")=$key"
done
apply generic wt-nats-users "$@"
apply generic wt-nats-auth "--from-file=authorization.conf=$out/authorization.conf"
apply tls wt-nats-tls "--cert=$out/tls/$nats.pem" "--key=$out/tls/$nats-key.pem"
apply generic wt-nats-ca "--from-file=ca.crt=$out/tls/ca.pem"
echo "NATS secrets of release $release in namespace $namespace: wt-nats-users, wt-nats-auth, wt-nats-tls, wt-nats-ca (files in $out)"
