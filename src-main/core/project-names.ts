// Names for projects made without asking: the first run drops images and gets a project at once, named after
// the dropped folder or "Untitled style N", in a folder name every file system accepts.

export const UNTITLED = 'Untitled style';

/** Characters Windows, macOS or Linux refuse (or that mean something) in a folder name. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what Windows refuses
const UNSAFE = /[<>:"/\\|?*\x00-\x1f]/g;

/**
 * A folder name for a project name: unsafe characters become "-", trailing dots and spaces go (Windows).
 * @example folderNameOf('ink: v2') // 'ink- v2'
 */
export function folderNameOf(name: string): string {
  return name
    .replace(UNSAFE, '-')
    .replace(/[. ]+$/, '')
    .trim()
    .slice(0, 120);
}

/**
 * The name of a new project: `wanted` when given and free, else with " 2", " 3"…; without `wanted`, the first
 * free "Untitled style N". `taken` holds the folder names already in the projects folder.
 * @example newProjectName(['Untitled style 1']) // 'Untitled style 2'
 * @example newProjectName(['ink'], 'ink') // 'ink 2'
 */
export function newProjectName(taken: readonly string[], wanted?: string): string {
  const used = new Set(taken.map((t) => t.toLowerCase()));
  const base = wanted === undefined ? '' : folderNameOf(wanted);
  const free = (candidate: string) => !used.has(folderNameOf(candidate).toLowerCase());
  if (base && free(base)) return base;
  const stem = base || UNTITLED;
  for (let n = base ? 2 : 1; ; n++) if (free(`${stem} ${n}`)) return `${stem} ${n}`;
}
