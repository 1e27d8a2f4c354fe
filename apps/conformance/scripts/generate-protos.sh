#!/usr/bin/env bash
# Regenerates apps/conformance/src/gen from the protos of the conformance
# runner's own Go module, at the version tools/scripts/go-tool.sh pins for
# connectconformance, so the server always speaks the runner's contract:
#
#   apps/conformance/scripts/generate-protos.sh            # into apps/conformance/src/gen
#   apps/conformance/scripts/generate-protos.sh OUT_DIR    # into OUT_DIR/apps/conformance/src/gen (drift check)
#
# The .proto files are not copied into this repository: `go mod download`
# fetches the module into Go's module cache (or finds it there) and prints its
# directory, which is checksum-verified against the Go checksum database.
# Needs Go; exit 3 when it is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"

if ! command -v go >/dev/null 2>&1; then
  echo "generate-protos.sh: Go is not installed (needed to locate the connectrpc.com/conformance module); install Go >= 1.26" >&2
  exit 3
fi

pin=$(tools/scripts/go-tool.sh --pin connectconformance) # connectrpc.com/conformance/cmd/connectconformance@v1.0.5
module="${pin%%/cmd/*}@${pin##*@}"                        # connectrpc.com/conformance@v1.0.5

# From a neutral directory: outside any go.mod, `go mod download` takes module@version as is.
json=$(cd / && go mod download -json "$module")
dir=$(printf '%s' "$json" | node -e '
  const info = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  if (info.Error || !info.Dir) { console.error(info.Error ?? "no Dir in go mod download output"); process.exit(1); }
  console.log(info.Dir);')

# Only what a server under test needs: the service, the compat messages, and
# the config enums they use (client_compat and suite are the runner's own).
protos=(config.proto server_compat.proto service.proto)
args=()
for proto in "${protos[@]}"; do
  args+=(--path "$dir/proto/connectrpc/conformance/v1/$proto")
done
if [ -n "${1:-}" ]; then
  args+=(--output "$1")
fi
# buf runs protoc-gen-es by name: the pinned one from node_modules.
PATH="$root/node_modules/.bin:$PATH" buf generate "$dir/proto" --template apps/conformance/buf.gen.yaml "${args[@]}"
