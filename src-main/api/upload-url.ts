// Web mode's upload route for dropped files (browsers hide their paths): one owner for the URL shape the
// renderer builds and the server parses.

/** Under /api/, so the token and Origin checks cover it. */
export const UPLOAD_HTTP_PATH = '/api/upload';

export interface UploadTarget {
  project: string;
  /** Groups one drop's files, so a caption sidecar stays beside its image. */
  batch: string;
  name: string;
}

/** @example uploadHttpUrl({ project: '/p', batch: 'b1', name: 'a.png' }) // '/api/upload?project=%2Fp&batch=b1&name=a.png' */
export function uploadHttpUrl(target: UploadTarget): string {
  return `${UPLOAD_HTTP_PATH}?${new URLSearchParams({ ...target }).toString()}`;
}

/** The target a request URL names, or null when a field is missing. */
export function uploadTargetOf(url: URL): UploadTarget | null {
  const [project, batch, name] = ['project', 'batch', 'name'].map((k) => url.searchParams.get(k));
  return project && batch && name ? { project, batch, name } : null;
}
