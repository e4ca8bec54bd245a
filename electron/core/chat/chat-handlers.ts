import type { RpcName, StreamName } from '../../shared/contract/index.js';
import type { ModelLibrary } from '../models/model-library.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Handlers } from '../rpc/router.js';
import type { EndpointService } from '../endpoint/endpoint-service.js';
import { exportConversation } from './chat-export.js';
import type { ChatService } from './chat-service.js';
import type { ConversationStore } from './conversation-store.js';

/** The library's basic `models.*` calls; downloads, catalog and imports are in `models/models-handlers.ts`. */
type LibraryEndpoints = 'models.list' | 'models.get' | 'models.import' | 'models.remove';
/** `chat.checkpointModel` (exports) is the composition root's, with the export jobs. */
type ChatEndpoints = Exclude<
  Extract<RpcName | StreamName, LibraryEndpoints | `chat.${string}` | `endpoint.${string}`>,
  'chat.checkpointModel'
>;

export interface ChatHandlerDeps {
  library: ModelLibrary;
  chat: ChatService;
  conversations: ConversationStore;
  endpoint: EndpointService;
  bus: EventBus;
}

/** The router handlers of `models.*`, `chat.*` and `endpoint.*` (spread into the composition root's table). */
export function chatHandlers(deps: ChatHandlerDeps): Pick<Handlers, ChatEndpoints> {
  const { library, chat, conversations: store, endpoint, bus } = deps;
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
    'chat.loadSettings.get': (p) => chat.loadSettingsOf(p.model),
    'chat.loadSettings.set': (p) => chat.rememberLoadSettings(p.model, p.settings),
    'chat.unload': (p) => chat.unload(p.model),
    'chat.status': () => chat.status(),
    'endpoint.start': (p) => endpoint.start(p),
    'endpoint.stop': () => endpoint.stop(),
    'endpoint.status': () => endpoint.status(),
  };
}
