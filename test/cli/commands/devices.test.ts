import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/main';
import type { CliIo } from '../../../src-main/cli/io';

describe('tessera devices', () => {
  it('names the provider in use and gives a reason for every other one', async () => {
    const lines: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: () => {}, cwd: process.cwd() };
    expect(await runCli(['devices', '--json'], io)).toBe(0);
    const report = JSON.parse(lines.join('\n')) as {
      chosen: string;
      providers: { name: string; status: string; reason: string }[];
    };
    expect(report.providers.find((p) => p.name === report.chosen)?.status).toBe('used');
    for (const p of report.providers.filter((x) => x.status !== 'used' && x.status !== 'available'))
      expect(p.reason.length).toBeGreaterThan(10);
  });
});
