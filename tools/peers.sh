#!/usr/bin/env bash
# The real peers muster's tests talk to, from Debian's packages: OpenSSL (checks certificates, CRLs and OCSP),
# SoftHSM2 (the PKCS#11 path of the CA) and Chromium (the WebAuthn ceremony under a virtual authenticator).
# Installs what is missing when it can (root with apt-get); otherwise names what is missing and leaves the
# tests that need it to skip with a notice (under CI=true they fail instead).
set -euo pipefail

declare -A PACKAGE_OF=([openssl]=openssl [softhsm2-util]=softhsm2 [chromium]=chromium)
missing=()
for command in openssl softhsm2-util chromium; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  printf '[peers] installing from Debian packages: %s\n' "${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  printf '[peers] missing (install them from your distribution): %s\n' "${missing[*]}" >&2
fi
