# azure.bash: a real Azure Blob Storage peer for the tests, Azurite
# (Microsoft's emulator, npm azurite, installed under build/azurite by
# install-deps), which checks SharedKey signatures and SAS tokens.
# az_start runs one under a temp dir on a free 127.0.0.1 port, with the
# well-known development account devstoreaccount1, and creates container
# $AZ_CONTAINER through Azure's Python SDK (tests/helpers/az_peer.py);
# az_stop ends it.  Call them from setup_file and teardown_file.
#
# Exports AZ_ENDPOINT (http://127.0.0.1:PORT/devstoreaccount1),
# AZ_CONTAINER, AZ_DIR (server files), AZ_KEY, and
# AZURE_STORAGE_CONNECTION_STRING, which stage-put, stage-copy and the
# SDK read; the other AZURE_STORAGE_* variables are unset.

AZ_CONTAINER=${AZ_CONTAINER:-stage-test}
AZ_ACCOUNT=devstoreaccount1
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

az_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# az_peer ARGS...: Azure's Python SDK against Azurite (az_peer.py).
az_peer() {
	"$STAGE_TOP/.venv/bin/python" "$STAGE_TOP/tests/helpers/az_peer.py" "$@"
}

az_start() {
	local a="$STAGE_TOP/build/azurite/node_modules/.bin/azurite-blob" port i
	# make check installs both (tests/helpers/install-deps); a missing one
	# fails the file, never skips it (bats cannot skip from setup_file).
	[ -x "$a" ] || { echo "no azurite: run make deps" >&2; return 1; }
	"$STAGE_TOP/.venv/bin/python" -c 'import azure.storage.blob' \
		2>/dev/null || { echo "no azure-storage-blob: run make deps" >&2; return 1; }
	AZ_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/az.XXXXXX")
	port=$(az_free_port)
	"$a" --blobHost 127.0.0.1 --blobPort "$port" --location "$AZ_DIR/data" \
		--silent --skipApiVersionCheck --disableTelemetry \
		>"$AZ_DIR/azurite.log" 2>&1 &
	echo $! >"$AZ_DIR/pid"
	export AZ_ENDPOINT="http://127.0.0.1:$port/$AZ_ACCOUNT" AZ_DIR
	export AZ_CONTAINER AZ_KEY AZ_ACCOUNT
	export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=$AZ_ENDPOINT;"
	unset AZURE_STORAGE_ACCOUNT_NAME AZURE_STORAGE_ACCOUNT_KEY \
		AZURE_STORAGE_SAS_TOKEN AZURE_STORAGE_ACCOUNT AZURE_STORAGE_KEY
	# Up to 60 s: a loaded machine starts node slowly.
	for i in $(seq 600); do
		curl -s -o /dev/null "$AZ_ENDPOINT?comp=list" && break
		sleep 0.1
	done
	az_peer mkcontainer "$AZ_CONTAINER" >"$AZ_DIR/mk.log" 2>&1 && return 0
	echo "az_start: cannot create the container:" >&2
	cat "$AZ_DIR/mk.log" "$AZ_DIR/azurite.log" >&2
	return 1
}

az_stop() {
	[ -n "${AZ_DIR:-}" ] && [ -f "$AZ_DIR/pid" ] || return 0
	local pid i
	pid=$(cat "$AZ_DIR/pid")
	kill "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -rf "$AZ_DIR" || true
}

# az_peer_cs ARGS...: az_peer with Azurite's connection string even where
# a test has unset it (to use a SAS or dlt's settings).
az_peer_cs() {
	AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=$AZ_ENDPOINT;" \
		az_peer "$@"
}

# az_setup: each test in its own directory T (and HOME).
az_setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
	export HOME=$T
}
