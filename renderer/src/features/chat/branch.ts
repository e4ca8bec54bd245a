import type { MessageInfo } from '../../../../electron/shared/contract';

/** The messages from the root down to `leafId`: the branch on screen. */
export function branchOf(messages: MessageInfo[], leafId: string | null): MessageInfo[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const out: MessageInfo[] = [];
  let cur = leafId ? byId.get(leafId) : undefined;
  while (cur) {
    out.unshift(cur);
    cur = cur.parentId ? byId.get(cur.parentId) : undefined;
  }
  return out;
}

/** A message's siblings (same parent), oldest first, and its position among them. */
export function siblingsOf(messages: MessageInfo[], m: MessageInfo): { ids: string[]; index: number } {
  const ids = messages.filter((x) => x.parentId === m.parentId && x.role === m.role).map((x) => x.id);
  return { ids, index: ids.indexOf(m.id) };
}
