#!/usr/bin/env bash
# Installs the Debian packages the test suite, the bench and the soak need, only where absent. Idempotent.
# Arguments name the commands wanted (chromium, etcd, nats-server, redis-server); none means all.
set -euo pipefail
declare -A package=([chromium]=chromium [etcd]=etcd-server [nats-server]=nats-server [redis-server]=redis-server)
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(chromium etcd nats-server redis-server)
need=()
for cmd in "${wanted[@]}"; do
  if [ -z "${package[$cmd]:-}" ]; then
    echo "ensure-system-deps: unknown command '$cmd' (known: ${!package[*]})" >&2
    exit 2
  fi
  command -v "$cmd" >/dev/null 2>&1 || need+=("${package[$cmd]}")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${need[*]} (run as root or install them: apt-get install -y ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
