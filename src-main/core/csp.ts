// The renderer's Content-Security-Policy, one source of truth for the web server's header and Electron's
// session headers; src-renderer/index.html repeats it in a meta tag (a test keeps the two equal).
// Follows style.md "Electron settings": default-src 'self'; img-src 'self' data: blob: tessera-thumb:.

/** The policy as the index.html meta tag carries it (meta tags cannot carry frame-ancestors). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob: tessera-thumb:",
  "style-src 'self'",
  "script-src 'self'",
  // The image viewer fetches a PNG's bytes to read its parameters text (Electron serves them on tessera-thumb:).
  "connect-src 'self' tessera-thumb:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The policy as an HTTP header: the meta policy plus a ban on being framed (clickjacking). */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
