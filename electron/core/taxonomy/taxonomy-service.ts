import path from 'node:path';
import type { CommitInfo, TaxonomyInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { KvStore } from '../store/kv-store.js';
import { DocumentsRepo, setDocumentBlock } from './documents-repo.js';
import { DEFAULT_AUTHOR, isGitRepo } from './git-ops.js';
import { TaxonomyRepo } from './taxonomy-repo.js';

type Author = { name: string; email: string };
const ROOT_KEY = 'taxonomy.root';
const AUTHOR_KEY = 'taxonomy.author';

/** The taxonomy the app has open, remembered across restarts, and the knowledge documents repo. */
export class TaxonomyService {
  private repo: TaxonomyRepo | null = null;
  readonly documents: DocumentsRepo;

  constructor(
    private readonly dataDir: string,
    private readonly kv: KvStore,
    private readonly bus: EventBus,
  ) {
    this.documents = new DocumentsRepo(path.join(dataDir, 'documents'));
  }

  /** `<data dir>/taxonomy`, the CLI's and a new taxonomy's default. */
  get defaultRoot(): string {
    return path.join(this.dataDir, 'taxonomy');
  }

  async current(): Promise<TaxonomyRepo | null> {
    if (this.repo) return this.repo;
    for (const dir of [this.kv.get<string>(ROOT_KEY), this.defaultRoot]) {
      if (dir && (await isGitRepo(dir))) return (this.repo = await TaxonomyRepo.open(dir));
    }
    return null;
  }

  async require(): Promise<TaxonomyRepo> {
    const r = await this.current();
    if (!r)
      throw new AppError('NOT_FOUND', 'No taxonomy is open.', {
        hint: 'Open a clone of a taxonomy repository, or create a new one from the template.',
      });
    return r;
  }

  private changed(reason: string): void {
    if (this.repo) this.bus.emit('taxonomy.changed', { root: this.repo.root, reason });
  }

  async open(dir: string): Promise<TaxonomyInfo> {
    const repo = await TaxonomyRepo.open(dir);
    this.repo = repo;
    this.kv.set(ROOT_KEY, repo.root);
    this.changed('opened');
    return repo.info();
  }

  async create(dir: string | undefined, author?: Author): Promise<TaxonomyInfo> {
    const repo = await TaxonomyRepo.create(dir ?? this.defaultRoot, author ?? this.author() ?? DEFAULT_AUTHOR);
    this.repo = repo;
    this.kv.set(ROOT_KEY, repo.root);
    this.changed('created');
    return repo.info();
  }

  author(): Author | null {
    return this.kv.get<Author>(AUTHOR_KEY);
  }

  async write(rel: string, text: string, opts: { ifMatch?: string | null; createOnly?: boolean }) {
    const r = await (await this.require()).write(rel, text, opts);
    this.changed('write');
    return r;
  }

  async createEntry(rel: string, qna: string, attribution?: string) {
    const r = await (await this.require()).createEntry(rel, qna, attribution);
    this.changed('write');
    return r;
  }

  async commit(message: string, author: Author | undefined, paths?: string[]): Promise<CommitInfo> {
    const who = author ?? this.author();
    if (!who)
      throw new AppError('INVALID_REQUEST', 'Who is committing? Give an author name and email.', {
        hint: 'They are remembered for the next commit.',
      });
    const c = await (await this.require()).commit(message, who, paths);
    this.kv.set(AUTHOR_KEY, who);
    this.changed('commit');
    return c;
  }

  async createBranch(name: string, checkout: boolean): Promise<TaxonomyInfo> {
    const repo = await this.require();
    await repo.createBranch(name, checkout);
    this.changed('branch');
    return repo.info();
  }

  async checkout(branch: string): Promise<TaxonomyInfo> {
    const repo = await this.require();
    await repo.checkout(branch);
    this.changed('checkout');
    return repo.info();
  }

  /** Adds a document to the documents repo and fills the entry's `document:` block. */
  async addDocument(entry: string, fileName: string, content: string) {
    const repo = await this.require();
    const qnaPath = entry
      .replace(/\\/g, '/')
      .replace(/\/+$/, '')
      .replace(/(\/qna\.yaml)?$/, '/qna.yaml');
    const qna = await repo.read(qnaPath);
    setDocumentBlock(qna.text, { repo: '', commit: '', pattern: '' }); // fails early on a broken qna.yaml
    const folder = qnaPath.replace(/\/qna\.yaml$/, '');
    const added = await this.documents.add(folder, fileName, content, this.author() ?? DEFAULT_AUTHOR);
    const saved = await repo.write(qnaPath, setDocumentBlock(qna.text, added), { ifMatch: qna.etag });
    this.changed('write');
    return { ...added, qna: { path: saved.path, text: saved.text, etag: saved.etag } };
  }
}
