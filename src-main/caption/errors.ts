// The caption layer's user errors; api/errors.ts maps them by name (download.ts has the network's own).

/** A model that is unknown, not downloaded, or incomplete in its folder; the message says what to do. */
export class CaptionModelError extends Error {
  override readonly name = 'CaptionModelError';
}

/** A file that cannot be used as it is: a model or label file that is not what the captioner needs, an unreadable image. */
export class CaptionFileError extends Error {
  override readonly name = 'CaptionFileError';
}
