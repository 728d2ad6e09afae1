#!/usr/bin/env bash
# Builds .dev/gpu.tar.xz (ignored): node + pruned onnxruntime-node (linux-x64) + the bundled GPU bench, to carry
# to a GPU machine that has no registry (run there: bash scripts/gpu/device-run.sh, with .dev and .gl carried;
# .gl holds the Vulkan loader .debs).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx esbuild scripts/bench-gpu.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --external:sharp --outfile=.dev/bench-gpu.mjs \
  --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
rm -rf /tmp/gpupkg && mkdir -p /tmp/gpupkg/node_modules/onnxruntime-node/bin/napi-v6/linux
cp /usr/bin/node /tmp/gpupkg/
cp -r node_modules/onnxruntime-node/{package.json,dist,lib} /tmp/gpupkg/node_modules/onnxruntime-node/
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 /tmp/gpupkg/node_modules/onnxruntime-node/bin/napi-v6/linux/
cp -r node_modules/onnxruntime-common /tmp/gpupkg/node_modules/
cp .dev/bench-gpu.mjs scripts/gpu/device-run.sh /tmp/gpupkg/
tar -cf - -C /tmp/gpupkg . | xz -T2 -3 > .dev/gpu.tar.xz
ls -la .dev/gpu.tar.xz
