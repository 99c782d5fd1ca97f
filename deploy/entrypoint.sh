#!/bin/sh
# The image's entry (deploy/Dockerfile): the first argument names what runs.
#   gateway | receivers | triage | triage-bulk | supervision | projector | audit | console | dispatch
#   wt <command …>   the CLI (seed, audit verify, registry export …)
#   provision        every stream and bucket, as NATS user provision (deploy/nats/provision.ts)
#   nats-secrets …   the NATS users' keys, authorization file, CA and node certificates
#                    (deploy/nats/secrets.ts and its flags: --out DIR --nodes … --hosts …)
# triage and triage-bulk are the triage program with the lanes pnpm start gives them
# (packages/launcher/src/services.ts); variables already set win, so a deployment can split the
# lanes differently. supervision is its own program (absence supervision). The V8
# heap is capped as the launcher caps it (WT_SERVICE_HEAP_MB, default 160, supervision 136; 0
# leaves V8's default).
set -eu
cd /app
what="${1:-}"
[ $# -gt 0 ] && shift

heap_default=160
semi_default=8
case "$what" in
  gateway)
    program=gateway
    semi_default=16 ;;
  receivers|projector|audit|console|dispatch)
    program="$what" ;;
  triage)
    program=triage
    : "${WT_TRIAGE_LANES:=alarm}" "${WT_REGISTRY_FLEET_SNAPSHOT:=false}"
    export WT_TRIAGE_LANES WT_REGISTRY_FLEET_SNAPSHOT ;;
  triage-bulk)
    program=triage
    : "${WT_TRIAGE_LANES:=tech,telemetry}"
    export WT_TRIAGE_LANES ;;
  supervision)
    program=supervision
    heap_default=136
    : "${WT_REGISTRY_FLEET_SNAPSHOT:=false}"
    export WT_REGISTRY_FLEET_SNAPSHOT ;;
  wt)
    exec node packages/cli/src/main.ts "$@" ;;
  provision)
    # The nodes may answer before the cluster has elected its leaders and accept a stream a few
    # seconds later: try again, WT_PROVISION_TRIES times 3 s apart, before failing the start.
    tries="${WT_PROVISION_TRIES:-20}"
    attempt=1
    until node deploy/nats/provision.ts; do
      if [ "$attempt" -ge "$tries" ]; then
        echo "provision: failed $attempt times, giving up" >&2
        exit 1
      fi
      attempt=$((attempt + 1))
      sleep 3
    done
    exit 0 ;;
  nats-secrets)
    node deploy/nats/secrets.ts "$@"
    # Run as root (compose writes into a folder Docker made), the files go to the image's node
    # user, which every service runs as: it must read its key (mode 0600) and the CA.
    if [ "$(id -u)" = 0 ]; then
      out=".data/nats-cluster/secrets"
      while [ $# -gt 0 ]; do
        case "$1" in
          --out) out="$2"; shift ;;
          --out=*) out="${1#--out=}" ;;
        esac
        shift
      done
      chown -R "${WT_SECRETS_OWNER:-node:node}" "$out"
    fi
    exit 0 ;;
  *)
    echo "usage: entrypoint.sh gateway|receivers|triage|triage-bulk|supervision|projector|audit|console|dispatch | wt <command> | provision | nats-secrets [flags]" >&2
    exit 2 ;;
esac

# The service's name in logs, traces and the NATS connection list.
: "${WT_SERVICE:=$what}" "${OTEL_SERVICE_NAME:=$what}"
export WT_SERVICE OTEL_SERVICE_NAME

heap="${WT_SERVICE_HEAP_MB:-$heap_default}"
semi="${WT_SERVICE_SEMI_SPACE_MB:-$semi_default}"
flags="--enable-source-maps"
if [ "$heap" -gt 0 ] 2>/dev/null; then
  flags="$flags --max-old-space-size=$heap"
  if [ "$semi" -gt 0 ] 2>/dev/null; then flags="$flags --max-semi-space-size=$semi"; fi
fi
# shellcheck disable=SC2086
exec node $flags "services/$program/dist/current/main.mjs"
