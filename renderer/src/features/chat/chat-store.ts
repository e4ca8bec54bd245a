import { create } from 'zustand';
import type {
  ChatPacket,
  ConversationInfo,
  HostStatus,
  MessageInfo,
  ModelInfo,
  Sampling,
} from '../../../../electron/shared/contract';
import { api } from '../../api/connection';

export const messageOf = (e: unknown): string => {
  const err = e as { message?: string; hint?: string };
  return `${err.message ?? String(e)}${err.hint ? ` ${err.hint}` : ''}`;
};

interface Streaming {
  conversationId: string;
  assistantId: string | null;
  text: string;
  controller: AbortController;
}

interface ChatState {
  models: ModelInfo[];
  host: HostStatus | null;
  conversations: ConversationInfo[];
  query: string;
  currentId: string | null;
  conversation: ConversationInfo | null;
  messages: MessageInfo[];
  streaming: Streaming | null;
  error: string | null;
  loadModels(): Promise<void>;
  importModel(path: string): Promise<ModelInfo>;
  search(query: string): Promise<void>;
  select(id: string | null): Promise<void>;
  refreshCurrent(): Promise<void>;
  newChat(): Promise<void>;
  update(patch: {
    title?: string;
    modelId?: string | null;
    systemPrompt?: string;
    sampling?: Sampling;
    leafId?: string;
  }): Promise<void>;
  remove(id: string): Promise<void>;
  send(content: string, parentId?: string | null): Promise<void>;
  regenerate(messageId: string): Promise<void>;
  stop(): void;
  setError(e: unknown): void;
}

/** Appends streamed text at most once per animation frame, so 100+ tokens/s never re-render per token. */
function frameBatcher(apply: (text: string) => void): { push(text: string): void; flush(): void } {
  let buf = '';
  let frame: number | null = null;
  const flush = (): void => {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    if (buf) apply(buf);
    buf = '';
  };
  return {
    push: (t) => {
      buf += t;
      frame ??= requestAnimationFrame(flush);
    },
    flush,
  };
}

/** The Chat page's state: conversations, the open one, and the answer streaming into it. */
export const useChat = create<ChatState>()((set, get) => {
  const stream = async (
    name: 'chat.send' | 'chat.regenerate',
    params: never,
    conversationId: string,
  ): Promise<void> => {
    const controller = new AbortController();
    set({ streaming: { conversationId, assistantId: null, text: '', controller }, error: null });
    const batch = frameBatcher((t) => {
      const s = get().streaming;
      if (s) set({ streaming: { ...s, text: s.text + t } });
    });
    const onPacket = (p: ChatPacket): void => {
      if (p.type === 'token') batch.push(p.text);
      else if (p.type === 'started' && get().currentId === conversationId) {
        const added = [p.userMessage, p.assistantMessage].filter((m): m is MessageInfo => m !== null);
        const s = get().streaming;
        set({
          messages: [...get().messages, ...added],
          conversation: get().conversation && { ...get().conversation!, leafId: p.assistantMessage?.id ?? null },
          streaming: s && { ...s, assistantId: p.assistantMessage?.id ?? null },
        });
      }
    };
    try {
      await api.stream(name, params, onPacket, { signal: controller.signal });
    } catch (e) {
      if ((e as { code?: string }).code !== 'CANCELLED') get().setError(e);
    } finally {
      batch.flush();
      // Keep the streamed text on screen until the stored message arrives (no flash, no scroll jump).
      const done = get().streaming;
      set({
        streaming: null,
        messages: get().messages.map((m) =>
          m.id === done?.assistantId ? { ...m, content: done.text, state: 'complete' } : m,
        ),
      });
      await get().refreshCurrent();
      await get().search(get().query);
    }
  };

  return {
    models: [],
    host: null,
    conversations: [],
    query: '',
    currentId: null,
    conversation: null,
    messages: [],
    streaming: null,
    error: null,
    loadModels: async () => {
      const [models, host] = await Promise.all([
        api.call('models.list', { format: 'gguf' }),
        api.call('chat.status', {}),
      ]);
      set({ models, host });
    },
    importModel: async (path) => {
      const m = await api.call('models.import', { path });
      await get().loadModels();
      return m;
    },
    search: async (query) => {
      set({ query });
      const conversations = await api.call('chat.list', { query: query.trim() || undefined });
      if (get().query === query) set({ conversations });
    },
    select: async (id) => {
      set({ currentId: id, error: null });
      if (!id) {
        set({ conversation: null, messages: [] });
        return;
      }
      await get().refreshCurrent();
    },
    refreshCurrent: async () => {
      const id = get().currentId;
      if (!id) return;
      try {
        const r = await api.call('chat.get', { id });
        if (get().currentId === id) set({ conversation: r.conversation, messages: r.messages });
      } catch (e) {
        get().setError(e);
      }
    },
    newChat: async () => {
      const prev = get().conversation;
      const modelId = prev?.modelId ?? get().models[0]?.id ?? null;
      const c = await api.call('chat.create', { modelId, systemPrompt: prev?.systemPrompt, sampling: prev?.sampling });
      await get().search('');
      await get().select(c.id);
    },
    update: async (patch) => {
      const id = get().currentId;
      if (!id) return;
      const conversation = await api.call('chat.update', { id, ...patch });
      set({ conversation });
      if (patch.leafId) await get().refreshCurrent();
    },
    remove: async (id) => {
      await api.call('chat.delete', { id });
      if (get().currentId === id) await get().select(null);
      await get().search(get().query);
    },
    send: async (content, parentId) => {
      let id = get().currentId;
      if (!id) {
        await get().newChat();
        id = get().currentId!;
      }
      await stream(
        'chat.send',
        { conversationId: id, content, ...(parentId !== undefined ? { parentId } : {}) } as never,
        id,
      );
    },
    regenerate: async (messageId) => {
      const id = get().currentId;
      if (id) await stream('chat.regenerate', { conversationId: id, messageId } as never, id);
    },
    stop: () => get().streaming?.controller.abort(),
    setError: (e) => set({ error: e === null ? null : messageOf(e) }),
  };
});
