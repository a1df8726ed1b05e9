#!/bin/sh
# Writes throwaway TLS material for the tests into DIR (created), with
# Debian's openssl command:
#   ca.pem                 the CA that signs the servers' certificates
#   server.pem/.key        127.0.0.1 and localhost, signed by ca.pem
#   expired.pem/.key       the same names, already expired
#   other.pem/.key         other.example only (a host name mismatch on 127.0.0.1)
#   capath/                ca.pem under its hash name (openssl rehash), for ca_path
#   client-ca.pem          the CA that signs client certificates
#   client.pem/.key        a client certificate signed by client-ca.pem
#   client-enc.key         client.key encrypted with the passphrase in client-pass.txt
#   stranger.pem/.key      a client certificate signed by ca.pem, not client-ca.pem
# Usage: tls-certs.sh DIR
set -eu
dir=$1
mkdir -p "$dir/capath"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # NAME SUBJECT
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 -out "$1.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # NAME CA SUBJECT SAN DAYS USAGE
	key "$1.key"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=%s\n' "$4" "$6" > "$1.ext"
	openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days "$5" \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}
ca ca "libtfy test CA"
ca client-ca "libtfy test client CA"
leaf server ca 127.0.0.1 "IP:127.0.0.1,DNS:localhost" 2 serverAuth
leaf expired ca 127.0.0.1 "IP:127.0.0.1,DNS:localhost" -1 serverAuth
leaf other ca other.example "DNS:other.example" 2 serverAuth
leaf client client-ca "libtfy test client" "DNS:client.example" 2 clientAuth
leaf stranger ca "libtfy stranger" "DNS:stranger.example" 2 clientAuth
printf 'correct horse battery staple 42' > client-pass.txt
openssl pkey -in client.key -aes256 -passout file:client-pass.txt -out client-enc.key
cp ca.pem capath/ca.pem
openssl rehash capath 2>/dev/null || c_rehash capath >/dev/null
