#!/usr/bin/env bash
# The Nx targets of the Go projects (apps/server-go, libs/go-service and every
# app `npx nx g @protomesh/tools:service <name> --language=go` creates), one
# place for what they share: the Go check, the flags, the paths. DIR is the
# project's directory from the workspace root, e.g. apps/server-go.
#
#   go-target.sh DIR build      static binary dist/DIR/<command> of the one
#                               command under DIR/cmd, version stamped from
#                               DIR/package.json
#   go-target.sh DIR test       go test ./..., then (with a DIR/buf.gen.yaml)
#                               the drift check of the code it generates
#                               (its `out:`, e.g. DIR/gen)
#   go-target.sh DIR lint       go vet ./... and gofmt (no file may need formatting)
#   go-target.sh DIR generate   regenerate that code from proto/ (buf, pinned
#                               local plugins, DIR/buf.gen.yaml); it is only
#                               touched when the result differs, so a build or
#                               test running meanwhile never sees it half-written
#   go-target.sh DIR generate OUT_DIR   into OUT_DIR/<out> instead
#
# Go's build and module caches stay where `go env` puts them, outside the
# repository. Exit 3 (one line on stderr) when Go is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
me=tools/scripts/go-target.sh
dir=${1:-}
target=${2:-}
if [ -z "$dir" ] || [ ! -f "$root/$dir/go.mod" ]; then
  echo "usage: $me DIR build|test|lint|generate [OUT_DIR] (DIR: a Go module of the workspace, e.g. apps/server-go)" >&2
  exit 2
fi
project=$root/$dir
# Where DIR/buf.gen.yaml generates to, from the workspace root (e.g. apps/server-go/gen).
gen=$(sed -n 's/^ *out: *//p' "$project/buf.gen.yaml" 2>/dev/null | head -1)

if ! command -v go >/dev/null 2>&1; then
  echo "$me: Go is not installed (needed for $dir ${target:-?}); install Go >= 1.26 from https://go.dev/dl" >&2
  exit 3
fi
# go.mod and go.sum are never rewritten by a build; no VCS stamp (the build
# must not depend on the git state, and the version comes from package.json).
export GOFLAGS="-mod=readonly -buildvcs=false"

generate() { # [OUT_DIR]
  cd "$root"
  # Both plugins at the versions tools/scripts/go-tool.sh pins, into .tools/bin,
  # where the buf.gen.yaml templates expect them.
  tools/scripts/go-tool.sh protoc-gen-go >/dev/null
  tools/scripts/go-tool.sh protoc-gen-go-grpc >/dev/null
  node_modules/.bin/buf generate --template "$dir/buf.gen.yaml" ${1:+--output "$1"}
}

case $target in
  build)
    commands=("$project"/cmd/*/)
    if [ ! -d "${commands[0]}" ] || [ ${#commands[@]} -ne 1 ]; then
      echo "$me: $dir/cmd must hold exactly one command" >&2
      exit 1
    fi
    command=$(basename "${commands[0]}")
    version=$(node -p 'require(process.argv[1]).version' "$project/package.json")
    cd "$project"
    # Static (no cgo, so no libc needed: distroless/static), no local paths,
    # symbols stripped; the version becomes SERVICE_VERSION's default.
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" \
      -o "$root/dist/$dir/$command" "./cmd/$command"
    echo "dist/$dir/$command $version ($(go env GOVERSION) $(go env GOOS)/$(go env GOARCH))"
    ;;
  test)
    (cd "$project" && go test ./...)
    if [ -f "$project/buf.gen.yaml" ]; then
      # The Go twin of libs/proto/src/gen-drift.spec.ts: gen/ is committed, and
      # regenerating it with the pinned buf and plugins must reproduce it exactly.
      out=$(mktemp -d)
      trap 'rm -rf "$out"' EXIT
      generate "$out"
      if ! diff -r "$out/$gen" "$root/$gen"; then
        name=$(node -p 'require(process.argv[1]).name' "$project/package.json")
        echo "$me: $gen differs from a fresh generation: run npx nx run $name:generate and commit" >&2
        exit 1
      fi
      echo "$gen matches a fresh generation"
    fi
    ;;
  lint)
    cd "$project"
    go vet ./...
    unformatted=$(gofmt -l .)
    if [ -n "$unformatted" ]; then
      echo "$me: gofmt would change these files (run gofmt -w $dir):" >&2
      echo "$unformatted" >&2
      exit 1
    fi
    ;;
  generate)
    if [ -z "$gen" ]; then
      echo "$me: $dir/buf.gen.yaml is missing or names no out: directory" >&2
      exit 2
    fi
    if [ -n "${3:-}" ]; then
      generate "$3"
      exit 0
    fi
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    generate "$out"
    if diff -rq "$out/$gen" "$root/$gen" >/dev/null 2>&1; then
      echo "$gen is up to date"
    else
      rm -rf "${root:?}/$gen"
      mkdir -p "$(dirname "$root/$gen")"
      cp -R "$out/$gen" "$root/$gen"
      echo "$gen regenerated: review and commit it"
    fi
    ;;
  *)
    echo "usage: $me DIR build|test|lint|generate [OUT_DIR]" >&2
    exit 2
    ;;
esac
