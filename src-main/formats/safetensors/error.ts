// The one error class for unreadable or unwritable safetensors files: names the file and the problem.

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    const line = problem.replace(/\s*[\r\n]+\s*/g, ' ');
    super(`${file}: ${line}`, options);
    this.file = file;
    this.problem = line;
  }
}

/** A tensor name as it appears in messages: JSON-quoted (so one line) and cut short. */
export function quoteName(name: string): string {
  const quoted = JSON.stringify(name);
  return quoted.length > 120 ? `${quoted.slice(0, 117)}...` : quoted;
}

/** The file-system codes a user can act on, in words. */
const CODE_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the disk is read-only',
};

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (!code) return err.message;
  return CODE_WORDS[code] ? `${CODE_WORDS[code]}, ${code}` : code;
}

/** A file-system call whose failure becomes a `SafetensorsError`; only I/O is wrapped, so bugs stay visible. */
export async function io<T>(file: string, what: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw new SafetensorsError(file, `${what} (${describe(err)})`, { cause: err });
  }
}
