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

function describe(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}

/** A file-system call whose failure becomes a `SafetensorsError`; only I/O is wrapped, so bugs stay visible. */
export async function io<T>(file: string, what: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw new SafetensorsError(file, `${what} (${describe(err)})`, { cause: err });
  }
}
