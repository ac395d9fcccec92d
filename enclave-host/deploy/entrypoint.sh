#!/bin/sh
# The enclave's first process (the Dockerfile's CMD), inside the Nitro Enclave.
#
# WRITTEN AND REVIEWED, NOT RUNNABLE HERE: it needs a Nitro Enclave (vsock, /dev/nsm). See README.md.
#
# An enclave has no network, only vsock. This script:
#   1. brings up the loopback interface (it is down in a fresh enclave);
#   2. maps the KMS host name, read from the configuration compiled into enclave.js, to 127.0.0.1, and
#      forwards 127.0.0.1:443 to vsock CID 3 (the parent) port 8000, where vsock-proxy carries the bytes
#      to KMS. The enclave's SDK opens TLS to kms.<region>.amazonaws.com itself and checks its
#      certificate: the parent only ever forwards ciphertext;
#   3. bridges vsock port 5000 (the parent's strongroom-enclave-bridge connects there) to the enclave
#      program's Unix socket;
#   4. runs the enclave program. If it exits, the enclave stops (strongroom-enclave.service shows it).
set -eu

SOCKET=/run/strongroom/enclave.sock
KMS_VSOCK_PORT=8000
FRAMES_VSOCK_PORT=5000
PARENT_CID=3

ip addr add 127.0.0.1/8 dev lo 2>/dev/null || true
ip link set dev lo up

# The KMS endpoint is part of the measured bundle, never an argument or a variable of this script.
KMS_HOST=$(node /app/enclave.js --print-config | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => process.stdout.write(new URL(JSON.parse(text).kmsEndpoint).hostname));
')
case "$KMS_HOST" in
  kms.*.amazonaws.com) ;;
  *) echo "entrypoint: unexpected KMS host $KMS_HOST" >&2; exit 1 ;;
esac
# /etc/hosts is written here, not in the Dockerfile: docker build bind-mounts its own /etc/hosts, so a
# RUN that edits it leaves nothing in the image.
echo "127.0.0.1 $KMS_HOST" >> /etc/hosts

socat TCP-LISTEN:443,bind=127.0.0.1,fork,reuseaddr "VSOCK-CONNECT:$PARENT_CID:$KMS_VSOCK_PORT" &

mkdir -p "$(dirname "$SOCKET")"
chmod 0700 "$(dirname "$SOCKET")"
socat "VSOCK-LISTEN:$FRAMES_VSOCK_PORT,fork,reuseaddr" "UNIX-CONNECT:$SOCKET" &

exec node /app/enclave.js --listen "$SOCKET"
