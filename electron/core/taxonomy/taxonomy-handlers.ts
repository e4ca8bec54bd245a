import type { RpcName } from '../../shared/contract/index.js';
import { validateQna } from '../../shared/taxonomy/index.js';
import type { Handlers } from '../rpc/router.js';
import type { TaxonomyService } from './taxonomy-service.js';

type TaxonomyRpc = Extract<RpcName, `taxonomy.${string}`>;

/** The router handlers of the `taxonomy.*` endpoints (spread into the composition root's table). */
export function taxonomyHandlers(t: TaxonomyService): Pick<Handlers, TaxonomyRpc> {
  return {
    'taxonomy.current': async () => (await t.current())?.info() ?? null,
    'taxonomy.open': (p) => t.open(p.path),
    'taxonomy.create': (p) => t.create(p.path, p.author),
    'taxonomy.tree': async () => {
      const r = await t.require();
      return { root: r.root, entries: await r.tree() };
    },
    'taxonomy.read': async (p) => (await t.require()).read(p.path),
    'taxonomy.write': (p) => t.write(p.path, p.text, { ifMatch: p.ifMatch, createOnly: p.createOnly }),
    'taxonomy.validate': (p) => validateQna(p.text, p.path),
    'taxonomy.validateAll': async () => (await t.require()).validateAll(),
    'taxonomy.createEntry': (p) => t.createEntry(p.path, p.qna, p.attribution),
    'taxonomy.status': async () => {
      const r = await t.require();
      return { info: await r.info(), files: await r.status() };
    },
    'taxonomy.diff': async (p) => (await t.require()).diff(p.base),
    'taxonomy.fileDiff': async (p) => (await t.require()).fileDiff(p.path),
    'taxonomy.commit': (p) => t.commit(p.message, p.author, p.paths),
    'taxonomy.log': async (p) => (await t.require()).log(p.ref, p.limit),
    'taxonomy.branches': async () => (await t.require()).branches(),
    'taxonomy.createBranch': (p) => t.createBranch(p.name, p.checkout),
    'taxonomy.checkout': (p) => t.checkout(p.branch),
    'taxonomy.author': () => t.author(),
    'taxonomy.addDocument': (p) => t.addDocument(p.entry, p.fileName, p.content),
  };
}
