import path from 'node:path';
import type { RpcName, StreamName } from '../../shared/contract/index.js';
import { ModelLibrary } from '../models/model-library.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Handlers } from '../rpc/router.js';
import { EndpointService } from '../serve/endpoint-service.js';
import type { Db } from '../store/database.js';
import { exportConversation } from './chat-export.js';
import { ChatService } from './chat-service.js';
import { ConversationStore } from './conversation-store.js';
import { ModelHost, type ModelHostOptions } from './model-host.js';

type ChatEndpoints = Extract<RpcName | StreamName, `models.${string}` | `chat.${string}` | `endpoint.${string}`>;

/** The model library, the model host, chat and the OpenAI-compatible endpoint, wired together. */
export class ChatStack implements AsyncDisposable {
  readonly library: ModelLibrary;
  readonly host: ModelHost;
  readonly conversations: ConversationStore;
  readonly chat: ChatService;
  readonly endpoint: EndpointService;

  constructor(
    db: Db,
    private readonly bus: EventBus,
    dataDir: string,
    hostOptions: ModelHostOptions = {},
  ) {
    this.library = new ModelLibrary(db, bus, path.join(dataDir, 'models'));
    this.host = new ModelHost(hostOptions);
    this.conversations = new ConversationStore(db);
    this.conversations.markInterrupted();
    this.chat = new ChatService(this.conversations, this.library, this.host, bus);
    this.endpoint = new EndpointService({ host: this.host, library: this.library, chat: this.chat, bus });
  }

  /** The router handlers of `models.*`, `chat.*` and `endpoint.*` (spread into the composition root's table). */
  handlers(): Pick<Handlers, ChatEndpoints> {
    const { library, chat, conversations: store, endpoint, bus } = this;
    const changed = (conversationId: string, deleted = false): void =>
      bus.emit('chat.changed', { conversationId, deleted });
    return {
      'models.list': (p) => library.list(p),
      'models.get': (p) => library.get(p.id),
      'models.import': (p, ctx) => library.importGguf(p, ctx.signal),
      'models.remove': async (p) => {
        await library.remove(p.id, { deleteFile: p.deleteFile });
        return null;
      },
      'chat.list': (p) => store.list(p),
      'chat.get': (p) => ({ conversation: store.get(p.id), messages: store.messages(p.id) }),
      'chat.create': (p) => {
        const c = store.create(p);
        changed(c.id);
        return c;
      },
      'chat.update': (p) => {
        const { id, leafId, ...rest } = p;
        const c = store.update(id, { ...rest, ...(leafId ? { leafId: store.newestLeaf(leafId) } : {}) });
        changed(id);
        return c;
      },
      'chat.delete': (p) => {
        store.delete(p.id);
        changed(p.id, true);
        return null;
      },
      'chat.export': (p) => {
        const conv = store.get(p.id);
        const name = (id: string | null): string => (id ? (library.find(id)?.name ?? 'removed model') : 'model');
        return exportConversation(conv, store.messages(p.id), store.path(conv.leafId), p.format, name);
      },
      'chat.send': (p, ctx) => chat.send(p, ctx),
      'chat.regenerate': (p, ctx) => chat.regenerate(p, ctx),
      'chat.generate': async (p, ctx) => {
        await chat.generate(p, ctx);
      },
      'chat.load': (p, ctx) => chat.load(p.model, p.settings, ctx.signal),
      'chat.unload': (p) => chat.unload(p.model),
      'chat.status': () => chat.status(),
      'endpoint.start': (p) => endpoint.start(p),
      'endpoint.stop': () => endpoint.stop(),
      'endpoint.status': () => endpoint.status(),
    };
  }

  async dispose(): Promise<void> {
    await this.endpoint.dispose();
    await this.host.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
