import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'labforge_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
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
