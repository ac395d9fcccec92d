#!/usr/bin/env bash
# Builds the enclave image (EIF) and prints the PCRs the sealing key's policy must require.
#
# WRITTEN AND REVIEWED, NOT RUNNABLE HERE: it needs Docker, network access to the pinned base images and
# crates, and nitro-cli (the aws-nitro-enclaves-cli package, on Amazon Linux 2023). Run it on the image
# build host, from the repository root:
#
#   enclave-host/deploy/build-enclave.sh <image-config.json> [output-dir]
#
# Writes <output-dir>/strongroom-enclave.eif and strongroom-enclave.measurements.json (nitro-cli's
# output), then prints PCR0/1/2 and the cdk command that pins them.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <image-config.json> [output-dir]" >&2
  exit 64
fi
CONFIG=$1
OUT=${2:-dist/enclave}
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$DEPLOY_DIR/../.." && pwd)

for tool in docker nitro-cli jq npx; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is required" >&2; exit 1; }
done
if grep -q '<pin>' "$DEPLOY_DIR/Dockerfile"; then
  echo "$0: pin every <pin> in Dockerfile first (base image digests, package versions)" >&2
  exit 1
fi

CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
mkdir -p "$OUT"

# 1. The one bundle, with the production image configuration compiled in (measured with the image).
(cd "$REPO_ROOT" && npx tsx enclave-host/deploy/build-enclave-bundle.ts "$CONFIG" "$CONTEXT/enclave.js")

# 2. The Docker image, from a context holding only what the image needs.
cp "$DEPLOY_DIR/Dockerfile" "$DEPLOY_DIR/entrypoint.sh" "$CONTEXT/"
cp -R "$DEPLOY_DIR/nsm-attest" "$CONTEXT/nsm-attest"
TAG="strongroom-enclave:$(sha256sum "$CONTEXT/enclave.js" | cut -c1-16)"
docker build --tag "$TAG" "$CONTEXT"

# 3. The EIF and its measurements.
nitro-cli build-enclave --docker-uri "$TAG" --output-file "$OUT/strongroom-enclave.eif" \
  >"$OUT/strongroom-enclave.measurements.json"

PCR0=$(jq -r '.Measurements.PCR0' "$OUT/strongroom-enclave.measurements.json")
PCR1=$(jq -r '.Measurements.PCR1' "$OUT/strongroom-enclave.measurements.json")
PCR2=$(jq -r '.Measurements.PCR2' "$OUT/strongroom-enclave.measurements.json")
for pcr in "$PCR0" "$PCR1" "$PCR2"; do
  [[ $pcr =~ ^[0-9a-f]{96}$ ]] || { echo "$0: nitro-cli printed no PCR (see the measurements file)" >&2; exit 1; }
done

echo "EIF:  $OUT/strongroom-enclave.eif"
echo "PCR0: $PCR0"
echo "PCR1: $PCR1"
echo "PCR2: $PCR2"
echo
echo "Pin them in the sealing key's policy (synth refuses missing or all-zero PCRs):"
echo "  npx cdk deploy -c strongroom:enclave=true -c strongroom:enclavePcr0=$PCR0 -c strongroom:enclavePcr1=$PCR1 -c strongroom:enclavePcr2=$PCR2"
