// Who may talk to the web server: a per-launch token, and Host/Origin checks against DNS rebinding and
// cross-site requests (the same rules Jupyter and VS Code's server mode apply to local web UIs).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import type { ApiErrorCode } from '../api/errors';

/** 24 random bytes, base64url: 32 URL-safe characters, fresh at every launch. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** @example isLoopback('127.0.0.1') // true; isLoopback('0.0.0.0') // false */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

const withPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * The Host header values this server answers to. A DNS-rebinding page reaches us under its own name, so
 * any other Host is refused. Binding a wildcard accepts this machine's own addresses and name.
 * @example allowedHosts('127.0.0.1', 8080) // Set { '127.0.0.1:8080', 'localhost:8080' }
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host]);
  if (isLoopback(host)) names.add('localhost');
  if (isWildcard(host)) {
    names.add('localhost').add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address);
  }
  return new Set([...names].map((h) => withPort(h, port).toLowerCase()));
}

/** The token from `Authorization: Bearer …` or `?token=…` (EventSource cannot set headers). */
export function tokenOf(req: IncomingMessage, url: URL): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('token');
}

/** Constant-time comparison, so response timing reveals nothing about the token. */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface Refusal {
  status: 400 | 401 | 403;
  code: ApiErrorCode;
  message: string;
}

export interface GuardConfig {
  hosts: ReadonlySet<string>;
  token: string;
}

/** Host and Origin checks, applied to every request including static files. Null when allowed. */
export function checkOrigin(req: IncomingMessage, config: GuardConfig): Refusal | null {
  const host = req.headers.host?.toLowerCase();
  if (!host || !config.hosts.has(host)) {
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: `Host "${host ?? ''}" is not this server; open the address Tessera printed.`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    return { status: 403, code: 'FORBIDDEN', message: `Requests from ${origin} are not allowed.` };
  }
  return null;
}

/** The token check for API and event requests. Null when allowed. */
export function checkToken(req: IncomingMessage, url: URL, config: GuardConfig): Refusal | null {
  const given = tokenOf(req, url);
  if (given === null || given === '') {
    return {
      status: 401,
      code: 'UNAUTHORIZED',
      message: 'This request needs the token Tessera printed at start (…/?token=…).',
    };
  }
  if (!tokenMatches(given, config.token)) {
    return {
      status: 403,
      code: 'FORBIDDEN',
      message: 'Wrong token: use the address Tessera printed at this launch.',
    };
  }
  return null;
}
