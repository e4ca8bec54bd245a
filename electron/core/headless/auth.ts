import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The cookie that carries the token, named per port: two `labforge serve` on one machine (one
 * browser) must not overwrite each other's cookie, since cookies ignore ports.
 */
export const tokenCookieName = (port: number): string => `labforge_token_${port}`;

/** How long the browser keeps the token cookie (the token itself changes with every start). */
export const TOKEN_COOKIE_MAX_AGE_S = 7 * 24 * 3600;

/** Input no handler should see: answered with 400 before authentication. */
export class MalformedRequest extends Error {}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieToken(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      throw new MalformedRequest(`malformed ${name} cookie`);
    }
  }
  return null;
}

/** The request's path and query; `//`, `//x:y` and other inputs WHATWG URL refuses are malformed. */
export function requestUrl(raw: string | undefined): URL {
  const target = raw ?? '/';
  if (!target.startsWith('/') || target.startsWith('//')) throw new MalformedRequest('malformed request target');
  try {
    return new URL(target, 'http://localhost');
  } catch {
    throw new MalformedRequest('malformed request target');
  }
}

/**
 * The Host header must name the address we listen on (DNS-rebinding guard): a page on
 * evil.example resolving to 127.0.0.1 still sends `Host: evil.example`.
 */
export function hostAllowed(hostHeader: string | undefined, allowedHosts: ReadonlySet<string>): boolean {
  return hostHeader !== undefined && allowedHosts.has(hostHeader.toLowerCase());
}

/** Browsers always send Origin on WebSocket upgrades; it must be our own page. Non-browser clients send none. */
export function originAllowed(origin: string | undefined, allowedHosts: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && allowedHosts.has(u.host.toLowerCase());
  } catch {
    return false;
  }
}
