// The first run's drop: which files a drop carries, and what the new project is called.

const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|bmp|tiff?|avif|heic)$/i;

/**
 * The name for a project made from dropped paths: one dropped folder names it; files (or several things)
 * leave it to the server's "Untitled style N". Only Electron reveals paths; browsers drop files without.
 * @example projectNameFor(['/home/ann/Pictures/ink refs']) // 'ink refs'
 * @example projectNameFor(['/a/cat.png', '/a/dog.png']) // undefined
 */
export function projectNameFor(paths: readonly string[]): string | undefined {
  if (paths.length !== 1) return undefined;
  const name =
    paths[0]!
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? '';
  return name && !IMAGE_EXTENSIONS.test(name) ? name : undefined;
}

/** A drag that carries files (not text or a link dragged inside the page). */
export function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}
