#!/usr/bin/env bash
# Rebuild static/vendor/ from the npm registry's own packages (the app uses no CDN: it works offline).
#   scripts/vendor_static.sh          fetch, check, and replace static/vendor/ with exactly what it produces
#   scripts/vendor_static.sh --check  fetch and check, then fail if static/vendor/ differs from that
# Needs npm (only to download: `npm pack` fetches the tarball and nothing runs from it).
#
# Source maps are vendored, not stripped: the files stay byte-for-byte the package's (so they can be
# compared with the registry's), the browser's developer tools show readable code, and the manifest storage
# of the production build, which rewrites every `sourceMappingURL`, finds the file each one names.
set -euo pipefail
cd "$(dirname "$0")/.."

# The one place the versions are pinned. Per package: NAME@VERSION, the tarball's sha512 as npm reports it
# ("integrity"), then the files the app uses, as path-in-package=path-under-static/vendor.
PACKAGES=(
  "bootstrap@5.3.9 sha512-20cU0rcfw8WdxtVbmfU+xT2EjvVTw9Ror/h1Qvd7DXCujRg8OO9mdBCsmTHdJFf3BuadmBNJtgIuUXsBqSkk/w==
   LICENSE=bootstrap/LICENSE
   dist/css/bootstrap.min.css=bootstrap/bootstrap.min.css
   dist/css/bootstrap.min.css.map=bootstrap/bootstrap.min.css.map
   dist/js/bootstrap.bundle.min.js=bootstrap/bootstrap.bundle.min.js
   dist/js/bootstrap.bundle.min.js.map=bootstrap/bootstrap.bundle.min.js.map"
  "bootstrap-icons@1.13.2 sha512-fAU1Ly3dH7hwRg+CB8EZ0Vl0fF80zgXHeUVJyfUOKzoURr+TbwISbCW5tKUoQLERaWYG2emTCybcPbD96hdD1A==
   LICENSE=bootstrap-icons/LICENSE
   font/bootstrap-icons.min.css=bootstrap-icons/bootstrap-icons.min.css
   font/fonts/bootstrap-icons.woff=bootstrap-icons/fonts/bootstrap-icons.woff
   font/fonts/bootstrap-icons.woff2=bootstrap-icons/fonts/bootstrap-icons.woff2"
  "chart.js@4.6.1 sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==
   LICENSE.md=chartjs/LICENSE.md
   dist/chart.umd.min.js=chartjs/chart.umd.min.js
   dist/chart.umd.min.js.map=chartjs/chart.umd.min.js.map"
)

mode="${1:-write}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/vendor"

for entry in "${PACKAGES[@]}"; do
  read -r -d '' -a words <<<"$entry" || true  # the entry's words, across its lines
  spec="${words[0]}" integrity="${words[1]}" files=("${words[@]:2}")
  name="${spec%@*}" version="${spec##*@}"
  mkdir -p "$work/$name"
  tarball="$work/$name/$(cd "$work/$name" && npm pack --silent "$spec")"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "$spec: the tarball's checksum is $actual, pinned $integrity" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$work/$name"
  got="$(node -p "require('$work/$name/package/package.json').version")"
  [ "$got" = "$version" ] || { echo "$spec: the package says version $got" >&2; exit 1; }
  for pair in "${files[@]}"; do
    from="${pair%%=*}" to="${pair#*=}"
    install -D -m 644 "$work/$name/package/$from" "$out/$to"
  done
  echo "$spec: ${#files[@]} files, checksum ok"
done

if [ "$mode" = "--check" ]; then
  diff -r "$out" static/vendor && echo "static/vendor/ is what the pinned packages produce"
else
  rm -rf static/vendor
  cp -r "$out" static/vendor
  echo "static/vendor/ rebuilt"
fi
