// `tessera devices`: which execution provider training would use here, and why each other one is not used.
import { parseArgs } from 'node:util';
import { bindingDir, devices } from '../../engine/runtime/providers';
import type { CliCommand, CliIo } from '../io';

const USAGE = `Usage: tessera devices [--json] [--allow-software-gpu]

Lists the execution providers onnxruntime-node offers on this machine: the one Tessera uses, and for each
other one the reason (not on this platform, libraries not installed, failed to start …).
CUDA provider libraries go in: ${bindingDir()}`;

export const devicesCommand: CliCommand = {
  name: 'devices',
  summary: 'show the compute device Tessera would use, and why',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, 'allow-software-gpu': { type: 'boolean' } },
    });
    const report = await devices({ allowSoftwareGpu: values['allow-software-gpu'] === true });
    if (values.json) {
      io.out(JSON.stringify(report, null, 2));
      return 0;
    }
    io.out(`Using ${report.chosen} on ${report.platform}`);
    for (const p of report.providers) io.out(`  ${p.name.padEnd(9)} ${p.status.padEnd(15)} ${p.reason}`);
    return 0;
  },
};
