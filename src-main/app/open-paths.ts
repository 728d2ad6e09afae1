// Which command-line arguments are files for Tessera to open (pure; the Electron glue is open-files.ts).
import { isAbsolute } from 'node:path';

/** The .safetensors paths in a command line (Electron's own switches and the app path are skipped). */
export function openablePaths(argv: readonly string[]): string[] {
  return argv.filter((a) => !a.startsWith('-') && isAbsolute(a) && a.toLowerCase().endsWith('.safetensors'));
}
