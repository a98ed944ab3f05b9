#!/usr/bin/env bash
# Installs the Debian libraries the Python packages load at run time when they are missing:
# pango for WeasyPrint (billing's invoice PDF, proposals' proposal PDF), and poppler-utils' pdftotext, which
# the end-to-end tests read a PDF's text with. Run by `make install`.
set -euo pipefail
PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
echo "Installing ${missing[*]} (Debian packages) for WeasyPrint and the PDF tests…"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
