// .github/workflows/release.yml: one native runner per installer target, never publishing from
// electron-builder, and the CUDA variant only on request.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TARGETS } from './builder';

// js-yaml is electron-builder's own YAML reader (no typings installed): the one call used here, typed.
const { load } = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface MatrixRow {
  os: string;
  platform: string;
  arch: string;
  flag: string;
  cuda: boolean;
}
interface Step {
  name?: string;
  run?: string;
  if?: string;
}
interface Workflow {
  jobs: { build: { strategy: { matrix: { include: MatrixRow[] } }; steps: Step[] } };
}

const workflow = load(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as Workflow;
const rows = workflow.jobs.build.strategy.matrix.include;
const steps = workflow.jobs.build.steps;

describe('release workflow', () => {
  it('builds every installer target once, plus the opt-in Linux CUDA variant', () => {
    const builder = { linux: 'linux', win32: 'win', darwin: 'mac' } as const;
    const plain = rows.filter((r) => !r.cuda).map((r) => `${r.platform}-${r.arch}`);
    expect(plain.sort()).toEqual(TARGETS.map((t) => `${builder[t.platform]}-${t.arch}`).sort());
    expect(rows.filter((r) => r.cuda).map((r) => `${r.platform}-${r.arch}`)).toEqual(['linux-x64']);
  });

  it('runs the packaging tests before packaging, and packages with --publish never', () => {
    const names = steps.map((s) => s.name ?? '');
    const test = names.findIndex((n) => n.startsWith('Test'));
    const pack = names.findIndex((n) => n.startsWith('Package'));
    expect(test).toBeGreaterThan(-1);
    expect(test).toBeLessThan(pack);
    expect(steps[test].run).toContain('vitest run test/packaging');
    expect(steps[pack].run).toContain('--publish never');
  });

  it('unsets empty signing secrets so unsigned builds skip signing cleanly', () => {
    const pack = steps.find((s) => s.name?.startsWith('Package'));
    expect(pack?.run).toContain('CSC_IDENTITY_AUTO_DISCOVERY=false');
    expect(pack?.run).toMatch(/\[ -n "\$\{!v\}" \] \|\| unset "\$v"/);
  });

  it('fetches the CUDA provider libraries only in the CUDA variant', () => {
    const cuda = steps.find((s) => s.run?.includes('ONNXRUNTIME_NODE_INSTALL=cuda12'));
    expect(cuda?.if).toContain('matrix.cuda');
  });

  describe.runIf(process.platform !== 'win32')('the Package step, run by bash with a stand-in npx', () => {
    const pack = steps.find((s) => s.name?.startsWith('Package'));
    const mac = rows.find((r) => r.platform === 'mac') as MatrixRow;

    /** Runs the step's script for one matrix row; returns what npx was called with and the signing env. */
    function runStep(row: MatrixRow, secrets: Record<string, string>): string {
      const script = (pack?.run ?? '').replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, key: keyof MatrixRow) =>
        String(row[key]),
      );
      const temp = mkdtempSync(join(tmpdir(), 'tessera-wf-'));
      const stub =
        'npx() { echo "npx $*"; echo "key=${APPLE_API_KEY:-none} auto=${CSC_IDENTITY_AUTO_DISCOVERY:-on}"; }';
      const run = spawnSync('bash', ['-eo', 'pipefail', '-c', `${stub}\n${script}`], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', RUNNER_TEMP: temp, ...secrets },
      });
      const key = spawnSync('cat', [join(temp, 'AuthKey.p8')], { encoding: 'utf8' }).stdout;
      rmSync(temp, { recursive: true, force: true });
      expect(run.status, run.stderr).toBe(0);
      return run.stdout + key;
    }

    it('builds unsigned, ad-hoc signed on macOS, when the secrets are empty', () => {
      const out = runStep(mac, { CSC_LINK: '', APPLE_API_KEY_TEXT: '' });
      expect(out).toContain('npx electron-builder --mac --arm64 --publish never -c.mac.identity=-');
      expect(out).toContain('key=none auto=false');
    });

    it('signs with the certificate and hands notarization the API key as a file', () => {
      const secrets = {
        CSC_LINK: 'cert',
        APPLE_API_KEY_TEXT: 'PRIVATE KEY',
        APPLE_API_KEY_ID: 'i',
        APPLE_API_ISSUER: 'j',
      };
      const out = runStep(mac, secrets);
      expect(out).toMatch(/npx electron-builder --mac --arm64 --publish never\n/);
      expect(out).toMatch(/key=\S+AuthKey\.p8 auto=on/);
      expect(out).toContain('PRIVATE KEY');
    });

    it("names the CUDA variant's installers apart (the name reaches electron-builder unexpanded)", () => {
      const cuda = rows.find((r) => r.cuda) as MatrixRow;
      const out = runStep(cuda, {});
      expect(out).toContain('-c.appImage.artifactName=${productName}-${version}-linux-${arch}-cuda.${ext}');
    });
  });
});
