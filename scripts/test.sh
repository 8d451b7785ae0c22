#!/usr/bin/env bash
# The whole suite: installs what the tests need where absent, builds, runs every test file.
# Usage: npm test [-- test/some/file.test.ts ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
npm run --silent build
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
export SWITCHYARD_LOG_LEVEL="${SWITCHYARD_LOG_LEVEL:-silent}"
exec node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
