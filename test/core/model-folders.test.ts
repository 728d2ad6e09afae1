// Model folder discovery against real folders in a temporary home: each app's layout, env roots, Windows
// candidates, and linked folders reported once.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { candidateFolders, findModelFolders } from '../../src-main/core/model-folders';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'tessera-models-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function dirs(...paths: string[]): Promise<void> {
  for (const p of paths) await mkdir(join(home, p), { recursive: true });
}

describe('findModelFolders', () => {
  it('finds nothing in an empty home', async () => {
    expect(await findModelFolders({ platform: 'linux', home, env: {} })).toEqual([]);
  });

  it("finds A1111's, Forge's and ComfyUI's checkpoint and LoRA folders where they exist", async () => {
    await dirs(
      'stable-diffusion-webui/models/Stable-diffusion',
      'stable-diffusion-webui/models/Lora',
      'stable-diffusion-webui-forge/models/Lora',
      'ComfyUI/models/checkpoints',
    );
    expect(await findModelFolders({ platform: 'linux', home, env: {} })).toEqual([
      {
        app: 'a1111',
        kind: 'checkpoints',
        path: join(home, 'stable-diffusion-webui/models/Stable-diffusion'),
      },
      { app: 'a1111', kind: 'loras', path: join(home, 'stable-diffusion-webui/models/Lora') },
      { app: 'forge', kind: 'loras', path: join(home, 'stable-diffusion-webui-forge/models/Lora') },
      { app: 'comfyui', kind: 'checkpoints', path: join(home, 'ComfyUI/models/checkpoints') },
    ]);
  });

  it("finds ComfyUI Desktop's Documents folder and InvokeAI's per-family folders", async () => {
    await dirs('Documents/ComfyUI/models/loras', 'invokeai/models/sdxl/main', 'invokeai/models/sd-1/lora');
    expect(await findModelFolders({ platform: 'darwin', home, env: {} })).toEqual([
      { app: 'comfyui', kind: 'loras', path: join(home, 'Documents/ComfyUI/models/loras') },
      { app: 'invokeai', kind: 'loras', path: join(home, 'invokeai/models/sd-1/lora') },
      { app: 'invokeai', kind: 'checkpoints', path: join(home, 'invokeai/models/sdxl/main') },
    ]);
  });

  it('looks first in folders named by the environment (INVOKEAI_ROOT, TESSERA_*_DIRS lists)', async () => {
    await dirs(
      'elsewhere/invoke/models/sd-2/main',
      'a/models/loras',
      'b/models/checkpoints',
      'ComfyUI/models/loras',
    );
    const env = {
      INVOKEAI_ROOT: join(home, 'elsewhere/invoke'),
      TESSERA_COMFYUI_DIRS: [join(home, 'a'), 'relative/ignored', join(home, 'b')].join(':'),
    };
    const found = await findModelFolders({ platform: 'linux', home, env });
    expect(found.map((f) => [f.app, f.kind, f.path.slice(home.length + 1)])).toEqual([
      ['invokeai', 'checkpoints', 'elsewhere/invoke/models/sd-2/main'],
      ['comfyui', 'loras', 'a/models/loras'],
      ['comfyui', 'checkpoints', 'b/models/checkpoints'],
      ['comfyui', 'loras', 'ComfyUI/models/loras'],
    ]);
  });

  it('reports a folder linked into two apps once, and ignores a file where a folder should be', async () => {
    await dirs('stable-diffusion-webui/models/Lora', 'ComfyUI/models');
    await symlink(join(home, 'stable-diffusion-webui/models/Lora'), join(home, 'ComfyUI/models/loras'));
    await writeFile(join(home, 'ComfyUI/models/checkpoints'), 'not a folder');
    expect(await findModelFolders({ platform: 'linux', home, env: {} })).toEqual([
      { app: 'a1111', kind: 'loras', path: join(home, 'stable-diffusion-webui/models/Lora') },
    ]);
  });

  it("defaults to this process's home and environment", async () => {
    const found = await findModelFolders();
    expect(Array.isArray(found)).toBe(true);
  });
});

describe('candidateFolders', () => {
  it("lists Windows' home, portable and system-drive install places with Windows paths", () => {
    const paths = candidateFolders({
      platform: 'win32',
      home: 'C:\\Users\\ada',
      env: { SystemDrive: 'D:' },
    }).map((c) => c.path);
    expect(paths).toContain('C:\\Users\\ada\\stable-diffusion-webui\\models\\Stable-diffusion');
    expect(paths).toContain('C:\\Users\\ada\\ComfyUI_windows_portable\\ComfyUI\\models\\loras');
    expect(paths).toContain('D:\\ComfyUI\\models\\checkpoints');
    expect(paths).toContain('C:\\Users\\ada\\sd.webui\\webui\\models\\Lora');
  });

  it('keeps Windows-only places off other platforms', () => {
    const paths = candidateFolders({ platform: 'linux', home: '/home/ada', env: {} }).map((c) => c.path);
    expect(paths[0]).toBe('/home/ada/stable-diffusion-webui/models/Stable-diffusion');
    expect(paths.some((p) => p.includes('portable') || p.includes('sd.webui'))).toBe(false);
  });

  it("splits TESSERA_*_DIRS on the platform's delimiter", () => {
    const env = { TESSERA_A1111_DIRS: 'D:\\sd;E:\\sd2' };
    const paths = candidateFolders({ platform: 'win32', home: 'C:\\Users\\ada', env }).map((c) => c.path);
    expect(paths.slice(0, 4)).toEqual([
      'D:\\sd\\models\\Stable-diffusion',
      'D:\\sd\\models\\Lora',
      'E:\\sd2\\models\\Stable-diffusion',
      'E:\\sd2\\models\\Lora',
    ]);
  });
});
