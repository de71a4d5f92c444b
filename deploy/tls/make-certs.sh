#!/usr/bin/env bash
# Makes the TLS material of the compose deployment in deploy/tls (with the JDK's keytool):
#   ca.p12 / ca.pem       a private CA (keep ca.p12 safe; it signs the server certificate)
#   server.p12            the servers' key and certificate (PKCS12, password $MERIDIAN_TLS_PASSWORD), valid for
#                         every server service name, localhost and 127.0.0.1
#   truststore.jks        the CA certificate only, for the servers' own calls to each other and for the CLI
# Usage: MERIDIAN_TLS_PASSWORD=... deploy/tls/make-certs.sh [OUT_DIR]
set -euo pipefail
OUT="${1:-$(cd "$(dirname "$0")" && pwd)}"
PASS="${MERIDIAN_TLS_PASSWORD:?set MERIDIAN_TLS_PASSWORD (the keystore password, the same as in deploy/meridian.env)}"
if [[ ${#PASS} -lt 12 ]]; then
  echo "make-certs: MERIDIAN_TLS_PASSWORD must have at least 12 characters" >&2
  exit 2
fi
KEYTOOL="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
mkdir -p "$OUT"
cd "$OUT"
rm -f ca.p12 ca.pem server.p12 server.csr server.pem truststore.jks
SAN="dns:localhost,ip:127.0.0.1"
for r in a b c; do for i in 1 2; do SAN="$SAN,dns:meridian-$r-$i"; done; done
"$KEYTOOL" -genkeypair -alias ca -dname "CN=Meridian deployment CA" -keyalg EC -groupname secp256r1 -validity 825 \
  -ext bc:c -keystore ca.p12 -storetype PKCS12 -storepass "$PASS" -keypass "$PASS"
"$KEYTOOL" -exportcert -alias ca -keystore ca.p12 -storepass "$PASS" -rfc -file ca.pem
"$KEYTOOL" -genkeypair -alias server -dname "CN=meridian" -keyalg EC -groupname secp256r1 -validity 825 \
  -keystore server.p12 -storetype PKCS12 -storepass "$PASS" -keypass "$PASS"
"$KEYTOOL" -certreq -alias server -keystore server.p12 -storepass "$PASS" -file server.csr
"$KEYTOOL" -gencert -alias ca -keystore ca.p12 -storepass "$PASS" -infile server.csr -outfile server.pem -rfc \
  -validity 825 -ext "SAN=$SAN" -ext ku:c=digitalSignature,keyAgreement -ext eku=serverAuth
"$KEYTOOL" -importcert -alias ca -file ca.pem -keystore server.p12 -storepass "$PASS" -noprompt
"$KEYTOOL" -importcert -alias server -file server.pem -keystore server.p12 -storepass "$PASS"
"$KEYTOOL" -importcert -alias meridian-ca -file ca.pem -keystore truststore.jks -storetype JKS -storepass "$PASS" -noprompt
rm -f server.csr
chmod 600 ca.p12 server.p12
echo "make-certs: wrote ca.pem, ca.p12, server.p12, truststore.jks in $OUT"
