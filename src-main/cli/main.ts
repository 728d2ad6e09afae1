// The `tessera` command (plain Node, no Electron): parses the command word and hands off to commands/.
// Every failure ends as ONE line on stderr, `tessera: <message>`, and a non-zero exit code (io.ts).
import { pathToFileURL } from 'node:url';
import { toErrorData } from '../api/errors';
import { APP_VERSION } from '../core/app-info';
import { captionCommand } from './commands/caption';
import { compareCommand } from './commands/compare';
import { convertLoraCommand } from './commands/convert-lora';
import { devicesCommand } from './commands/devices';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { infoCommand } from './commands/info';
import { mergeCommand } from './commands/merge';
import { sampleCommand } from './commands/sample';
import { trainCommand } from './commands/train';
import { EXIT_CODES, processIo, UsageError, type CliCommand, type CliIo } from './io';

/** Commands by name; train, sample and export slot in here. */
export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  [infoCommand.name]: infoCommand,
  [trainCommand.name]: trainCommand,
  [sampleCommand.name]: sampleCommand,
  [compareCommand.name]: compareCommand,
  [exportCommand.name]: exportCommand,
  [mergeCommand.name]: mergeCommand,
  [convertLoraCommand.name]: convertLoraCommand,
  [evalCommand.name]: evalCommand,
  [devicesCommand.name]: devicesCommand,
  [captionCommand.name]: captionCommand,
};

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'Usage: tessera <command> [options]',
    '',
    'Train LoRA style adapters for Stable Diffusion on your own GPU.',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  --help, -h      show help (also: tessera <command> --help)',
    '  --version, -v   print the version',
  ].join('\n');
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(helpText());
    return first === undefined ? EXIT_CODES.USAGE : 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(APP_VERSION);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) throw new UsageError(`unknown command "${first}"`);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.helpFor?.(rest) ?? command.usage);
    return 0;
  }
  return command.run(rest, io);
}

/** `tessera info x | head` closes our stdout early: that is the reader's choice, not an error. */
function quietOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
}

/**
 * Runs one command line and returns the exit code; never throws.
 * @example process.exitCode = await runCli(['info', 'model.safetensors', '--json'])
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  if (io === processIo) process.stdout.on('error', quietOnClosedPipe);
  try {
    return await dispatch(argv, io);
  } catch (err) {
    const usage =
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'));
    const { code, message } = toErrorData(err);
    io.err(`tessera: ${message}${usage ? ' (see tessera --help)' : ''}`);
    return usage ? EXIT_CODES.USAGE : EXIT_CODES[code];
  }
}

// Runs when this file is the process entry (node out/main/cli.js); bin/tessera.js imports and calls runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
