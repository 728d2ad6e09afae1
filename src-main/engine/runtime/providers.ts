// Execution-provider table per platform, the fallback chain with a reason per provider, and devices(). Facts
// from docs/reference/ort-notes.md#providers-per-platform (which EPs each 1.30 binary accepts; CUDA libraries
// are a separate download).

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DeviceReport, ProviderName, ProviderReport, ProviderStatus } from '../../api/devices';
import { probeProvider, Session, type SessionOptions } from './session';

interface ProviderSpec {
  name: ProviderName;
  /** `${process.platform}-${process.arch}` keys whose onnxruntime-node binary accepts this EP. */
  platforms: readonly string[];
  /** Library that must sit in the binding folder (not bundled in the npm package). */
  library?: string;
  /** Picked automatically; otherwise only when asked for by name. */
  auto: boolean;
  optInReason?: string;
}

/** In preference order. */
const PROVIDERS: readonly ProviderSpec[] = [
  { name: 'cuda', platforms: ['linux-x64'], library: 'libonnxruntime_providers_cuda.so', auto: true },
  {
    name: 'tensorrt',
    platforms: ['linux-x64'],
    library: 'libonnxruntime_providers_tensorrt.so',
    auto: false,
    optInReason: 'opt-in only: TensorRT builds an engine per input shape, too slow for training graphs',
  },
  { name: 'dml', platforms: ['win32-x64', 'win32-arm64'], auto: true },
  { name: 'coreml', platforms: ['darwin-arm64'], auto: true },
  { name: 'webgpu', platforms: ['linux-x64', 'win32-x64', 'win32-arm64', 'darwin-arm64'], auto: true },
  {
    name: 'cpu',
    platforms: ['linux-x64', 'linux-arm64', 'win32-x64', 'win32-arm64', 'darwin-arm64'],
    auto: true,
  },
];

export type { DeviceReport, ProviderReport, ProviderStatus } from '../../api/devices';

export interface ProviderChoice {
  /** Providers to try, in order; default: the table's automatic ones. */
  prefer?: readonly ProviderName[];
  /** Allow WebGPU on a software Vulkan adapter (lavapipe): useful for tests, slower than the CPU EP. */
  allowSoftwareGpu?: boolean;
  platform?: string;
  log?: (line: string) => void;
}

/** Folder of the onnxruntime-node native binding for this platform (where CUDA libraries must be put). */
export function bindingDir(platform = `${process.platform}-${process.arch}`): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  const [os, arch] = platform.split('-');
  // NOTE: packaged apps resolve inside app.asar, but native files (and CUDA libraries users add) live unpacked.
  const root = dirname(pkg).replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return join(root, 'bin', 'napi-v6', os, arch);
}

/** NOTE: without a DRM render node, any Vulkan adapter Linux offers is a software rasterizer. */
function softwareOnlyGpu(platform: string): boolean {
  if (!platform.startsWith('linux')) return false;
  return !existsSync('/dev/dri') || !readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
}

/** Reason a provider cannot even be tried here, or null. No probing: files and platform only. */
function staticReason(
  spec: ProviderSpec,
  choice: ProviderChoice,
  platform: string,
): [ProviderStatus, string] | null {
  if (!spec.platforms.includes(platform))
    return ['not-on-platform', `the onnxruntime-node binary for ${platform} has no ${spec.name} provider`];
  if (spec.library && !existsSync(join(bindingDir(platform), spec.library)))
    return [
      'not-installed',
      `${spec.library} is not in ${bindingDir(platform)} (install the ${spec.name} provider libraries)`,
    ];
  const asked = choice.prefer?.includes(spec.name) ?? false;
  if (!spec.auto && !asked) return ['opt-in', spec.optInReason ?? 'opt-in only'];
  if (spec.name === 'webgpu' && !choice.allowSoftwareGpu && softwareOnlyGpu(platform))
    return [
      'unavailable',
      'no GPU render node (/dev/dri/renderD*): the only Vulkan adapter would be software, slower than the CPU',
    ];
  return null;
}

function candidates(choice: ProviderChoice): ProviderSpec[] {
  if (!choice.prefer) return [...PROVIDERS];
  const named = choice.prefer
    .map((n) => PROVIDERS.find((p) => p.name === n))
    .filter((p): p is ProviderSpec => !!p);
  return [...named, ...PROVIDERS.filter((p) => !named.includes(p))];
}

/**
 * What this machine offers: every provider with its status and the reason it is not used.
 * Probes each candidate with a one-node session (a few ms each; WebGPU adapter start ~0.1 s).
 * @example const { chosen, providers } = await devices(); // chosen: 'cpu' on a machine without a GPU
 */
export async function devices(choice: ProviderChoice = {}): Promise<DeviceReport> {
  const platform = choice.platform ?? `${process.platform}-${process.arch}`;
  const reports: ProviderReport[] = [];
  let chosen: ProviderName | undefined;
  for (const spec of candidates(choice)) {
    const blocked = staticReason(spec, choice, platform);
    if (blocked) {
      reports.push({ name: spec.name, status: blocked[0], reason: blocked[1] });
      continue;
    }
    // Another platform's table (for docs and tests) is reported as if every listed provider worked.
    const failure =
      platform === `${process.platform}-${process.arch}` ? await probeProvider(spec.name) : null;
    if (failure) reports.push({ name: spec.name, status: 'unavailable', reason: failure });
    else if (chosen) reports.push({ name: spec.name, status: 'available', reason: `${chosen} is preferred` });
    else {
      chosen = spec.name;
      reports.push({ name: spec.name, status: 'used', reason: '' });
    }
  }
  if (!chosen)
    throw new Error(
      `no execution provider works on ${platform}:\n${reports.map((r) => `  ${r.name}: ${r.reason}`).join('\n')}`,
    );
  return { platform, chosen, providers: reports };
}

/**
 * Creates a session on the first provider that accepts the model, logging why each earlier one failed.
 * @example const { session } = await createSession(modelPath, { threads: 2 }, { log: console.warn });
 */
export async function createSession(
  path: string,
  options: Omit<SessionOptions, 'providers'> = {},
  choice: ProviderChoice = {},
): Promise<{ session: Session; skipped: ProviderReport[] }> {
  const platform = choice.platform ?? `${process.platform}-${process.arch}`;
  const skipped: ProviderReport[] = [];
  for (const spec of candidates(choice)) {
    const blocked = staticReason(spec, choice, platform);
    if (blocked) {
      if (blocked[0] !== 'not-on-platform') choice.log?.(`provider ${spec.name} skipped: ${blocked[1]}`);
      skipped.push({ name: spec.name, status: blocked[0], reason: blocked[1] });
      continue;
    }
    try {
      const session = await Session.create(path, { ...options, providers: [spec.name] });
      return { session, skipped };
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      choice.log?.(`provider ${spec.name} failed for ${path}: ${reason}; trying the next one`);
      skipped.push({ name: spec.name, status: 'unavailable', reason });
    }
  }
  throw new Error(
    `no execution provider could load ${path}:\n${skipped.map((r) => `  ${r.name}: ${r.reason}`).join('\n')}`,
  );
}
