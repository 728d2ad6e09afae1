// First-run model discovery: the checkpoint and LoRA folders of Stable Diffusion apps the user already has
// (AUTOMATIC1111, Forge, ComfyUI, InvokeAI), found at their usual install places or through env variables.
// Only existence checks: nothing is read, moved or created.
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

export type ModelApp = 'a1111' | 'forge' | 'comfyui' | 'invokeai';
export type ModelKind = 'checkpoints' | 'loras';

export interface ModelFolder {
  app: ModelApp;
  path: string;
  kind: ModelKind;
}

export interface DiscoveryContext {
  platform?: NodeJS.Platform;
  home?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Each app's model folders, relative to its install root (its defaults; user-moved folders are not followed). */
export const APP_LAYOUTS: Readonly<
  Record<ModelApp, readonly { kind: ModelKind; parts: readonly string[] }[]>
> = {
  a1111: [
    { kind: 'checkpoints', parts: ['models', 'Stable-diffusion'] },
    { kind: 'loras', parts: ['models', 'Lora'] },
  ],
  forge: [
    { kind: 'checkpoints', parts: ['models', 'Stable-diffusion'] },
    { kind: 'loras', parts: ['models', 'Lora'] },
  ],
  comfyui: [
    { kind: 'checkpoints', parts: ['models', 'checkpoints'] },
    { kind: 'loras', parts: ['models', 'loras'] },
  ],
  // InvokeAI 4+ files models by base family, then type ("main" = checkpoints).
  invokeai: ['sd-1', 'sd-2', 'sdxl'].flatMap((base) => [
    { kind: 'checkpoints' as const, parts: ['models', base, 'main'] },
    { kind: 'loras' as const, parts: ['models', base, 'lora'] },
  ]),
};

type Where = 'home' | 'drive';

/** Usual install roots: relative to the home folder, or (Windows) to the system drive's root. */
export const INSTALL_ROOTS: readonly {
  app: ModelApp;
  where: Where;
  parts: readonly string[];
  only?: NodeJS.Platform;
}[] = [
  { app: 'a1111', where: 'home', parts: ['stable-diffusion-webui'] },
  { app: 'a1111', where: 'drive', parts: ['stable-diffusion-webui'], only: 'win32' },
  // The one-click Windows package unpacks to sd.webui/webui.
  { app: 'a1111', where: 'home', parts: ['sd.webui', 'webui'], only: 'win32' },
  { app: 'forge', where: 'home', parts: ['stable-diffusion-webui-forge'] },
  { app: 'forge', where: 'drive', parts: ['stable-diffusion-webui-forge'], only: 'win32' },
  { app: 'comfyui', where: 'home', parts: ['ComfyUI'] },
  // ComfyUI Desktop's default base folder (Windows, macOS).
  { app: 'comfyui', where: 'home', parts: ['Documents', 'ComfyUI'] },
  { app: 'comfyui', where: 'home', parts: ['ComfyUI_windows_portable', 'ComfyUI'], only: 'win32' },
  { app: 'comfyui', where: 'drive', parts: ['ComfyUI'], only: 'win32' },
  { app: 'comfyui', where: 'drive', parts: ['ComfyUI_windows_portable', 'ComfyUI'], only: 'win32' },
  { app: 'invokeai', where: 'home', parts: ['invokeai'] },
];

/**
 * Install roots named by the environment. INVOKEAI_ROOT is InvokeAI's own; the others are Tessera's, and
 * each may hold several folders separated by the platform's path delimiter.
 */
export const ROOT_ENV: readonly { app: ModelApp; key: string; list: boolean }[] = [
  { app: 'invokeai', key: 'INVOKEAI_ROOT', list: false },
  { app: 'a1111', key: 'TESSERA_A1111_DIRS', list: true },
  { app: 'forge', key: 'TESSERA_FORGE_DIRS', list: true },
  { app: 'comfyui', key: 'TESSERA_COMFYUI_DIRS', list: true },
];

function settle(context: DiscoveryContext) {
  const platform = context.platform ?? process.platform;
  const path = platform === 'win32' ? win32 : posix;
  return {
    platform,
    path,
    delimiter: path.delimiter,
    home: context.home ?? homedir(),
    env: context.env ?? process.env,
  };
}

function installRoots(context: DiscoveryContext): { app: ModelApp; root: string }[] {
  const { platform, path, delimiter, home, env } = settle(context);
  const drive = `${env.SystemDrive ?? 'C:'}\\`;
  const fromEnv = ROOT_ENV.flatMap(({ app, key, list }) =>
    (list ? (env[key] ?? '').split(delimiter) : [env[key] ?? ''])
      .filter((dir) => path.isAbsolute(dir))
      .map((root) => ({ app, root })),
  );
  const usual = INSTALL_ROOTS.filter((r) => !r.only || r.only === platform).map((r) => ({
    app: r.app,
    root: path.join(r.where === 'home' ? home : drive, ...r.parts),
  }));
  return [...fromEnv, ...usual];
}

/**
 * Every folder discovery looks at, existing or not, in priority order (environment first).
 * @example candidateFolders({ platform: 'linux', home: '/home/ada', env: {} })[0]
 * // { app: 'a1111', kind: 'checkpoints', path: '/home/ada/stable-diffusion-webui/models/Stable-diffusion' }
 */
export function candidateFolders(context: DiscoveryContext = {}): ModelFolder[] {
  const { path } = settle(context);
  return installRoots(context).flatMap(({ app, root }) =>
    APP_LAYOUTS[app].map(({ kind, parts }) => ({ app, kind, path: path.join(root, ...parts) })),
  );
}

const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM']);

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    // Missing, or not ours to read: either way not a folder Tessera can offer.
    if (NOT_THERE.has((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
}

/**
 * The model folders that exist on this machine, each real folder once (a folder linked from two apps is
 * reported for the first).
 * @example await findModelFolders() // [{ app: 'comfyui', kind: 'loras', path: '/home/ada/ComfyUI/models/loras' }]
 */
export async function findModelFolders(context: DiscoveryContext = {}): Promise<ModelFolder[]> {
  const candidates = candidateFolders(context);
  const exists = await Promise.all(candidates.map((c) => isDirectory(c.path)));
  const seen = new Set<string>();
  const found: ModelFolder[] = [];
  for (const [i, folder] of candidates.entries()) {
    if (!exists[i]) continue;
    const real = await realpath(folder.path);
    if (seen.has(real)) continue;
    seen.add(real);
    found.push(folder);
  }
  return found;
}
