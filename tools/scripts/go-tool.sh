#!/usr/bin/env bash
# Prints the absolute path of a pinned Go tool, building it first when missing:
#
#   tools/scripts/go-tool.sh connectconformance   # -> <workspace>/.tools/bin/connectconformance
#   tools/scripts/go-tool.sh --pin connectconformance   # -> connectrpc.com/...@v1.0.5, builds nothing
#
# Tools are built from source with `go install <module>@<exact version>` into
# the git-ignored <workspace>/.tools/bin; release binaries are never
# downloaded. Go's module and build caches stay on the machine, so a rebuild
# (after `git clean`, or a new pin) is quick. Changing a pin below rebuilds that
# tool on its next use: each binary has a `<name>.pin` stamp next to it.
#
# Safe to call from several processes at once: builds are serialised with
# flock where it exists, and always go to a temporary directory first and are
# renamed into place, so nobody ever sees a half-written binary.
#
# Exit codes: 0 path printed; 2 usage (unknown tool); 3 Go is missing; 1 the
# build failed. Progress and reasons go to stderr, only the path to stdout.
set -euo pipefail

# The one table of pins. Exact versions only: `@latest` can resolve to an old
# pre-module tag. h2spec: the Go module proxy reachable here serves only its
# v2.2.1 tag (v2.6.0 lacks the /v2 module path and its commits are refused);
# having no go.mod, that tag builds with the newest dependencies the proxy serves.
# Istio: the proxy serves no 1.29.x tag, only pseudo-versions of its master
# branch; this one (2026-04-23, VERSION 1.31) is the oldest it serves.
ISTIO=v0.0.0-20260423205519-b01690e6db7d
declare -A PINS=(
  [connectconformance]=connectrpc.com/conformance/cmd/connectconformance@v1.0.5
  [ghz]=github.com/bojand/ghz/cmd/ghz@v0.121.0
  [h2spec]=github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
  [pilot-discovery]=istio.io/istio/pilot/cmd/pilot-discovery@$ISTIO
  [istioctl]=istio.io/istio/istioctl/cmd/istioctl@$ISTIO
  # The Go stubs of apps/server-go (its buf.gen.yaml). protoc-gen-go may be
  # older than the google.golang.org/protobuf runtime in go.mod, never newer.
  [protoc-gen-go]=google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11
  [protoc-gen-go-grpc]=google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
)

# Modules the proxy serves but the checksum database does not know (it answers
# 404): exempt exactly those, per tool, and nothing else.
declare -A NOSUMDB=(
  [pilot-discovery]=github.com/envoyproxy/go-control-plane/contrib,istio.io/client-go,github.com/agentgateway/agentgateway/api
  [istioctl]=github.com/envoyproxy/go-control-plane/contrib,istio.io/client-go,github.com/agentgateway/agentgateway/api
)

me=go-tool.sh
pin_only=false
if [ "${1:-}" = --pin ]; then
  pin_only=true
  shift
fi
name=${1:-}
if [ -z "$name" ] || [ -z "${PINS[$name]:-}" ]; then
  echo "$me: usage: $me [--pin] NAME, NAME one of: $(printf '%s\n' "${!PINS[@]}" | sort | xargs)" >&2
  exit 2
fi
pin=${PINS[$name]}
if $pin_only; then
  # Other scripts read a pin from here (the conformance protos must match the runner).
  echo "$pin"
  exit 0
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bindir=$root/.tools/bin
bin=$bindir/$name
stamp=$bin.pin

current() { [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ]; }

if current; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "$me: Go is not installed (needed to build $name: go install $pin); install Go >= 1.26 from https://go.dev/dl" >&2
  exit 3
fi

mkdir -p "$bindir"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$bindir/.$name.lock"
  flock 9
  # Another process may have built it while this one waited for the lock.
  if current; then
    echo "$bin"
    exit 0
  fi
fi

tmp=$(mktemp -d "$root/.tools/build-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "$me: building $name: go install $pin ($(go env GOVERSION))" >&2
started=$(date +%s)
# From a neutral directory, so no go.mod or go.work around the workspace can
# influence the build; `go install module@version` uses the tool's own go.mod.
if ! (cd "$tmp" && GOBIN="$tmp" GONOSUMDB="${NOSUMDB[$name]:-}" go install "$pin") >&2; then
  echo "$me: building $name failed: go install $pin" >&2
  exit 1
fi
mv -f "$tmp/$name" "$bin"
printf '%s\n' "$pin" >"$tmp/pin"
mv -f "$tmp/pin" "$stamp"
echo "$me: built $name in $(($(date +%s) - started)) s: $bin" >&2
echo "$bin"
