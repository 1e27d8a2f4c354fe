#!/usr/bin/env bash
# The Nx targets of @protomesh/server-go (apps/server-go/package.json), one
# place for what they share: the Go check, the flags, the paths.
#
#   go-target.sh build      static binary dist/apps/server-go/greeter-server,
#                           version stamped from package.json
#   go-target.sh test       go test ./..., then the drift check of gen/
#   go-target.sh lint       go vet ./... and gofmt (no file may need formatting)
#   go-target.sh generate   regenerate gen/ from proto/ (buf, pinned local plugins);
#                           gen/ is only touched when the result differs, so a
#                           build or test running meanwhile never sees it half-written
#   go-target.sh generate OUT_DIR   into OUT_DIR/apps/server-go/gen instead
#
# Go's build and module caches stay where `go env` puts them, outside the
# repository. Exit 3 (one line on stderr) when Go is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
app=$root/apps/server-go
target=${1:-}
me=apps/server-go/scripts/go-target.sh

if ! command -v go >/dev/null 2>&1; then
  echo "$me: Go is not installed (needed for @protomesh/server-go:${target:-?}); install Go >= 1.26 from https://go.dev/dl" >&2
  exit 3
fi
# go.mod and go.sum are never rewritten by a build; no VCS stamp (the build
# must not depend on the git state, and the version comes from package.json).
export GOFLAGS="-mod=readonly -buildvcs=false"

generate() { # [OUT_DIR]
  cd "$root"
  # Both plugins at the versions tools/scripts/go-tool.sh pins, into .tools/bin,
  # where buf.gen.yaml expects them.
  tools/scripts/go-tool.sh protoc-gen-go >/dev/null
  tools/scripts/go-tool.sh protoc-gen-go-grpc >/dev/null
  node_modules/.bin/buf generate --template apps/server-go/buf.gen.yaml ${1:+--output "$1"}
}

case $target in
  build)
    version=$(node -p 'require(process.argv[1]).version' "$app/package.json")
    cd "$app"
    # Static (no cgo, so no libc needed: distroless/static), no local paths,
    # symbols stripped; the version becomes SERVICE_VERSION's default.
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" \
      -o "$root/dist/apps/server-go/greeter-server" ./cmd/greeter-server
    echo "dist/apps/server-go/greeter-server $version ($(go env GOVERSION) $(go env GOOS)/$(go env GOARCH))"
    ;;
  test)
    (cd "$app" && go test ./...)
    # The Go twin of libs/proto/src/gen-drift.spec.ts: gen/ is committed, and
    # regenerating it with the pinned buf and plugins must reproduce it exactly.
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    generate "$out"
    if ! diff -r "$out/apps/server-go/gen" "$app/gen"; then
      echo "$me: apps/server-go/gen differs from a fresh generation: run npx nx run @protomesh/server-go:generate and commit" >&2
      exit 1
    fi
    echo "gen/ matches a fresh generation"
    ;;
  lint)
    cd "$app"
    go vet ./...
    unformatted=$(gofmt -l .)
    if [ -n "$unformatted" ]; then
      echo "$me: gofmt would change these files (run gofmt -w apps/server-go):" >&2
      echo "$unformatted" >&2
      exit 1
    fi
    ;;
  generate)
    if [ -n "${2:-}" ]; then
      generate "$2"
      exit 0
    fi
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    generate "$out"
    if diff -rq "$out/apps/server-go/gen" "$app/gen" >/dev/null 2>&1; then
      echo "apps/server-go/gen is up to date"
    else
      rm -rf "$app/gen"
      cp -R "$out/apps/server-go/gen" "$app/gen"
      echo "apps/server-go/gen regenerated: review and commit it"
    fi
    ;;
  *)
    echo "usage: $me build|test|lint|generate [OUT_DIR]" >&2
    exit 2
    ;;
esac
