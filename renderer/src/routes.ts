import { useSyncExternalStore } from 'react';

export const pages = ['dashboard', 'models', 'taxonomy', 'data', 'pipeline', 'runs', 'chat', 'jobs'] as const;
export type PageId = (typeof pages)[number];

const isPage = (s: string): s is PageId => (pages as readonly string[]).includes(s);

/** `#/jobs` → 'jobs'; anything unknown falls back to the dashboard. */
export function parseHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return isPage(id) ? id : 'dashboard';
}

export const hrefFor = (page: PageId): string => `#/${page}`;

const subscribe = (cb: () => void): (() => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

/** The current page, kept in the URL hash so a reload stays where the user was. */
export function usePage(): PageId {
  return useSyncExternalStore(subscribe, () => parseHash(window.location.hash));
}
