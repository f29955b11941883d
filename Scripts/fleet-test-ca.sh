#!/usr/bin/env bash
# Makes a throwaway certificate authority for a Laba fleet, with a certificate for the broker and
# one per client (unit or commander), all with openssl: for trying the fleet out and for the tests.
# A real deployment uses the county's own CA.
#
#   Scripts/fleet-test-ca.sh DIR BROKER_NAMES [CLIENT...]
#
# BROKER_NAMES: the names and addresses units use to reach the broker, comma-separated
# (localhost,127.0.0.1,broker.lijiang.example); the first is the certificate's CN.
# Writes DIR/ca.crt, DIR/ca.key, DIR/broker.crt, DIR/broker.key and DIR/CLIENT.crt, DIR/CLIENT.key
# (each CLIENT is the CN: use the unit's id, so that mosquitto's use_identity_as_username works).
set -euo pipefail
if [ $# -lt 2 ]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
fi
dir=$1 names=$2
shift 2
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# sign NAME CN EXTENSIONS: NAME.crt signed by the CA, for NAME.key.
sign() {
    openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
    printf '%b' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

if [ ! -f ca.key ]; then
    key ca.key
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=Laba fleet test CA" -out ca.crt
fi

san=""
IFS=, read -r -a list <<< "$names"
for name in "${list[@]}"; do
    if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then entry="IP:$name"; else entry="DNS:$name"; fi
    san=${san:+$san,}$entry
done
key broker.key
sign broker "${list[0]}" "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=$san\n"

for client in "$@"; do
    key "$client.key"
    sign "$client" "$client" "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n"
done
chmod 644 ./*.crt
echo "CA and certificates in $dir: ca.crt, broker.crt/key${*:+, and for $*}"
