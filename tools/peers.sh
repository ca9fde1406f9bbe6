#!/usr/bin/env bash
# The real peers muster's tests talk to, from Debian's packages: OpenSSL (checks certificates, CRLs and OCSP),
# SoftHSM2 (the PKCS#11 path of the CA), Chromium (the WebAuthn ceremony under a virtual authenticator) and
# OpenLDAP (slapd and ldap-utils: the LDAP connector's target), Apache with mod_auth_openidc (a relying party
# signing in at muster's OpenID Provider) and Samba's AD DC (samba, samba-ad-dc, samba-ad-provision, krb5-user and
# winbind: the Active Directory target; the tests provision their own domain and run samba in the foreground).
# `tools/peers.sh` (the first step of `npm test`) only checks: it names what is missing, and the tests that need
# it skip with a notice (under CI=true they fail instead). It never changes the machine.
# `tools/peers.sh --install` (`npm run peers`, and .ci/run) installs what is missing, as root with apt-get.
set -euo pipefail

install=false
case "${1:-}" in
  '') ;;
  --install) install=true ;;
  *) printf 'usage: tools/peers.sh [--install]\n' >&2; exit 2 ;;
esac

declare -A PACKAGE_OF=([openssl]=openssl [softhsm2-util]=softhsm2 [chromium]=chromium [slapd]=slapd [ldapadd]=ldap-utils [apache2]=apache2 [mod_auth_openidc]=libapache2-mod-auth-openidc [curl]=curl [git]=git [samba]=samba [samba-tool]=samba-common-bin [kinit]=krb5-user [wbinfo]=winbind)
missing=()
# curl and git: the README walk-through test clones the repository and pastes the README's curl commands
for command in openssl softhsm2-util chromium slapd ldapadd apache2 curl git samba samba-tool kinit wbinfo; do
  # slapd, apache2 and samba live in /usr/sbin, which a user's PATH may leave out
  command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] || missing+=("${PACKAGE_OF[$command]}")
done
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || missing+=("${PACKAGE_OF[mod_auth_openidc]}")
# the DC's own services (its LDAP and KDC) come with samba-ad-dc, the templates of a new domain with samba-ad-provision
if command -v dpkg-query >/dev/null 2>&1; then
  for package in samba-ad-dc samba-ad-provision; do
    [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" == 'install ok installed' ]] || missing+=("$package")
  done
fi
if [ ${#missing[@]} -eq 0 ]; then
  if $install; then printf '[peers] all present\n'; fi
  exit 0
fi

if ! $install; then
  printf '[peers] missing: %s. The tests that need them skip (under CI=true they fail); `npm run peers` installs them (as root, with apt-get)\n' "${missing[*]}" >&2
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  printf '[peers] installing from Debian packages: %s\n' "${missing[*]}"
  # the tests start slapd instances of their own on free ports: the package need not configure and start a
  # system one on port 389 (which would be harmless to them, but is a service nobody asked for)
  if [[ " ${missing[*]} " == *' slapd '* ]] && command -v debconf-set-selections >/dev/null 2>&1; then
    echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  fi
  # the tests start Apache instances of their own on free ports, and Samba DCs on loopback addresses of their own:
  # no system Apache on port 80, nor a system samba, smbd or winbindd, is wanted either (policy-rc.d stops them starting)
  if [[ " ${missing[*]} " == *' krb5-user '* ]] && command -v debconf-set-selections >/dev/null 2>&1; then
    printf 'krb5-config krb5-config/default_realm string AGENCY.EXAMPLE\nkrb5-config krb5-config/add_servers_realm string AGENCY.EXAMPLE\nkrb5-config krb5-config/kerberos_servers string\nkrb5-config krb5-config/admin_server string\n' | debconf-set-selections
  fi
  policy=/usr/sbin/policy-rc.d
  had_policy=false; [ -e "$policy" ] && had_policy=true
  $had_policy || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; trap 'rm -f "$policy"' EXIT; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  printf '[peers] cannot install (needs root and apt-get); install them from your distribution: %s\n' "${missing[*]}" >&2
  exit 1
fi
