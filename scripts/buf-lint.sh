#!/usr/bin/env bash
# Lints the PayFlow API contract (proto/src/main/proto/payflow/v1/*.proto) with buf's STANDARD
# rules; the config and every exception, with its reason, are in proto/buf.yaml.
#
#   mvn -q -pl proto -am install     # once: extracts the Google protos we import
#   scripts/buf-lint.sh              # exit 0: clean; non-zero: findings (or setup problem)
#   scripts/buf-lint.sh --error-format=json   # extra arguments go to `buf lint`
#
# buf comes from the npm registry (@bufbuild/buf, which ships the binary in a per-platform
# package), pinned below and installed once into a cache outside the repo
# (PAYFLOW_BUF_CACHE, default ~/.cache/payflow-buf). Nothing else is downloaded: the Buf Schema
# Registry is not used; the imported google/api/*.proto files are the ones the Maven build
# extracted from proto-google-common-protos into proto/target/protoc-dependencies.
set -euo pipefail

BUF_VERSION=1.75.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROTO_DIR="$ROOT/proto"
CACHE_DIR="${PAYFLOW_BUF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/payflow-buf}/$BUF_VERSION"
BUF="$CACHE_DIR/node_modules/@bufbuild/buf/bin/buf"

log() { echo "buf-lint: $*" >&2; }

# --- 1. buf itself ------------------------------------------------------------------------
if ! [ -x "$BUF" ] || [ "$("$BUF" --version 2>/dev/null)" != "$BUF_VERSION" ]; then
  command -v npm >/dev/null || { log "npm is needed to install @bufbuild/buf"; exit 2; }
  log "installing @bufbuild/buf@$BUF_VERSION into $CACHE_DIR"
  mkdir -p "${CACHE_DIR%/*}"
  tmp="$(mktemp -d "${CACHE_DIR%/*}/.install.XXXXXX")"
  # --ignore-scripts: the platform binary arrives as an npm optional dependency; the package's
  # postinstall step is not needed to run it and is skipped so that nothing else is fetched.
  npm install --prefix "$tmp" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "@bufbuild/buf@$BUF_VERSION" >&2
  rm -rf "$CACHE_DIR"
  mv "$tmp" "$CACHE_DIR"
  [ "$("$BUF" --version)" = "$BUF_VERSION" ] || { log "installed buf does not report $BUF_VERSION"; exit 2; }
fi

# --- 2. the Google protos, from the Maven build ---------------------------------------------
# protobuf-maven-plugin unpacks every proto-bearing dependency jar into
# proto/target/protoc-dependencies/<hash>/. Copy them (except google/protobuf/*, the
# well-known types that buf has built in) into the second module declared in buf.yaml.
DEPS_SRC="$PROTO_DIR/target/protoc-dependencies"
DEPS_DST="$PROTO_DIR/target/buf/google-protos"
if ! compgen -G "$DEPS_SRC/*/google/api/annotations.proto" >/dev/null; then
  log "no google/api protos under ${DEPS_SRC#"$ROOT/"}: run the Maven build first:"
  log "  (cd \"$ROOT\" && mvn -q -pl proto -am install)"
  exit 2
fi
rm -rf "$DEPS_DST"
mkdir -p "$DEPS_DST"
for dir in "$DEPS_SRC"/*/; do
  (cd "$dir" && find . -name '*.proto' ! -path './google/protobuf/*' -print0 \
    | tar --null -T - -cf -) | tar -xf - -C "$DEPS_DST"
done

# --- 3. lint -------------------------------------------------------------------------------
cd "$PROTO_DIR"
if "$BUF" lint "$@"; then
  n="$(find src/main/proto/payflow -name '*.proto' | wc -l)"
  log "OK: $n payflow proto files, buf $BUF_VERSION STANDARD rules (exceptions: proto/buf.yaml)"
else
  rc=$?
  log "FAILED (buf exit $rc): fix the findings above, or add a narrow, explained exception to proto/buf.yaml"
  exit "$rc"
fi
