#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for VASCO Workstation: the real tools
# from Debian (SExtractor, PSFEx, wcstools and astropy for reference values,
# Chromium and Xvfb for the UI), then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(source-extractor psfex wcstools python3-astropy python3-scipy chromium xvfb patchelf slurm-wlm munge stilts starlink-ecsv-java python3-pandas python3-regions python3-astropy-healpix saods9 xpa-tools topcat)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (builds better-sqlite3 from source, about 2 minutes)"
  npm ci --no-audit --no-fund
fi
# The workstation page served by `vasco serve` / `vasco demo` (and Electron).
echo "setup: building the renderer (vite)"
npm run --silent build:renderer >/dev/null
# The `vasco` command runs from this bundle (bin/vasco.mjs falls back to tsx once a source is newer).
echo "setup: building the vasco command (esbuild)"
npm run --silent build:cli >/dev/null
echo "setup: done"
