# tls.bash: a throw-away certificate authority for tests that speak TLS to
# a server on 127.0.0.1.
#   tls_make_ca DIR NAME   -> DIR/NAME.pem, DIR/NAME.key (a CA)
#   tls_make_cert DIR CA   -> DIR/server.pem, DIR/server.key, for
#                             127.0.0.1 and localhost, signed by CA
#   free_port              -> prints a free TCP port on 127.0.0.1
#   wait_port PORT         -> waits (5 s at most) until PORT accepts

tls_make_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj "/CN=stage test $2" -keyout "$1/$2.key" -out "$1/$2.pem" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

tls_make_cert() {
	local d=$1 ca=$2
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		"extendedKeyUsage=serverAuth" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/$ca.pem" \
		-CAkey "$d/$ca.key" -CAcreateserial -days 2 \
		-extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
	local i
	for i in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
