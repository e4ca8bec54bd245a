/**
 * The one rule for opening a link outside the app: plain http(s) without credentials, never
 * file:, javascript:, data: or custom schemes. The shell applies it to every new window
 * (electron/main/security.ts); the renderer applies it before it makes a link clickable at all.
 */
export function externalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
