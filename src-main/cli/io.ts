// What a CLI command may touch: two line writers and the working directory, so commands run the same
// under `tessera` and inside tests. Exit codes live here, one table for every command.
import type { ApiErrorCode } from '../api/errors';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
};

/** 1: the input was wrong (path, file, arguments); 2: the command line was wrong; 70: our bug (EX_SOFTWARE). */
export const EXIT_CODES: Readonly<Record<ApiErrorCode | 'USAGE', number>> = {
  INVALID_ARGUMENT: 1,
  NOT_FOUND: 1,
  PERMISSION_DENIED: 1,
  UNSUPPORTED_FORMAT: 1,
  MALFORMED_FILE: 1,
  UNAUTHORIZED: 1,
  FORBIDDEN: 1,
  OUT_OF_MEMORY: 1,
  DISK_FULL: 1,
  INTERNAL: 70,
  USAGE: 2,
};

/** A wrong command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliCommand {
  name: string;
  /** One line for `tessera --help`. */
  summary: string;
  /** Full usage for `tessera <command> --help`. */
  usage: string;
  /** Usage for a sub-part (e.g. `eval unet --help`); falls back to `usage`. */
  helpFor?(args: string[]): string | undefined;
  run(args: string[], io: CliIo): Promise<number>;
}
