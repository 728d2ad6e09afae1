#!/usr/bin/env bash
# Runs on the device machine from the repo root: unpack the carried bundle, check node / Vulkan / WebGPU, bench.
set -u
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
mkdir -p /tmp/g && tar -xJf .dev/gpu.tar.xz -C /tmp/g
cd /tmp/g
echo "== node $(./node --version); $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
ldconfig -p | grep -c libvulkan || echo "no libvulkan"
ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d 2>/dev/null
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export TESSERA_BENCH_DIR=/tmp/bench
./node -e "import('onnxruntime-node').then(async (o)=>{console.log('backends', JSON.stringify(o.listSupportedBackends()))})"
set -o pipefail
timeout "${BENCH_TIMEOUT:-420}" ./node bench-gpu.mjs "$@" 2>&1 | grep -v 'artificially reduced' | tee "$OUT/gpu-bench.txt"
