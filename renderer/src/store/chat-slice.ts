import type { StateCreator } from 'zustand';
import type {
  ChatPacket,
  ConversationInfo,
  EndpointStatus,
  EventPayload,
  HostStatus,
  MessageInfo,
  ModelInfo,
  Sampling,
  StreamParams,
} from '../../../electron/shared/contract';
import { api } from '../api/connection';
import { messageOf } from '../components/message-of';
import type { Store } from './index';

export interface ChatStreaming {
  conversationId: string;
  assistantId: string | null;
  text: string;
  controller: AbortController;
}

export interface ChatSlice {
  /** The model host (running, loaded models, last crash); changes from `chat.status` and `chat.hostChanged`. */
  chatHost: HostStatus | null;
  /** The OpenAI-compatible endpoint; changes from `endpoint.status` and `endpoint.changed`. */
  endpointStatus: EndpointStatus | null;
  /** The conversation list (filtered by `chatQuery`). */
  conversations: ConversationInfo[];
  chatQuery: string;
  /** The open conversation and its messages (every branch). */
  currentConversationId: string | null;
  conversation: ConversationInfo | null;
  chatMessages: MessageInfo[];
  /** The answer streaming now, if any. */
  chatStreaming: ChatStreaming | null;
  chatError: string | null;
  /** The Chat page was opened: conversation events are followed from then on. */
  chatOpened: boolean;
  /** Two library models Compare should open with (the Runs page's "Chat with this checkpoint"). */
  chatCompare: { a: string; b: string } | null;
  /** Opens Compare with models `a` (left) and `b` (right) the next time the Chat page shows. */
  openCompare(a: string, b: string): void;
  /** The Chat page took `chatCompare`. */
  clearCompare(): void;
  /** Loads what the Chat page shows (host, conversations, the first conversation). */
  openChat(): Promise<void>;
  loadChatHost(): Promise<void>;
  loadEndpointStatus(): Promise<void>;
  importChatModel(path: string): Promise<ModelInfo>;
  searchConversations(query: string): Promise<void>;
  selectConversation(id: string | null): Promise<void>;
  refreshConversation(): Promise<void>;
  newConversation(): Promise<void>;
  updateConversation(patch: {
    title?: string;
    modelId?: string | null;
    systemPrompt?: string;
    sampling?: Sampling;
    leafId?: string;
  }): Promise<void>;
  removeConversation(id: string): Promise<void>;
  sendMessage(content: string, parentId?: string | null): Promise<void>;
  regenerateMessage(messageId: string): Promise<void>;
  stopAnswer(): void;
  setChatError(e: unknown): void;
  applyHostChanged(host: HostStatus): void;
  applyEndpointChanged(status: EndpointStatus): void;
  applyChatChanged(e: EventPayload<'chat.changed'>): void;
}

/** The GGUF models of the library (the mirror in the models slice), for pickers. */
export const selectGgufModels = (s: Store): ModelInfo[] =>
  Object.values(s.modelsById).filter((m) => m.format === 'gguf');

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

type AnswerStream = 'chat.send' | 'chat.regenerate';

/** The Chat page's state: conversations, the open one, the answer streaming into it, host and endpoint. */
export const createChatSlice: StateCreator<Store, [], [], ChatSlice> = (set, get) => {
  const stream = async <N extends AnswerStream>(name: N, params: StreamParams<N>, conversationId: string) => {
    const controller = new AbortController();
    set({ chatStreaming: { conversationId, assistantId: null, text: '', controller }, chatError: null });
    const batch = frameBatcher((t) => {
      const s = get().chatStreaming;
      if (s) set({ chatStreaming: { ...s, text: s.text + t } });
    });
    const onPacket = (p: ChatPacket): void => {
      if (p.type === 'token') batch.push(p.text);
      else if (p.type === 'started' && get().currentConversationId === conversationId) {
        const added = [p.userMessage, p.assistantMessage].filter((m): m is MessageInfo => m !== null);
        const s = get().chatStreaming;
        const c = get().conversation;
        set({
          chatMessages: [...get().chatMessages, ...added],
          conversation: c && { ...c, leafId: p.assistantMessage?.id ?? null },
          chatStreaming: s && { ...s, assistantId: p.assistantMessage?.id ?? null },
        });
      }
    };
    try {
      await api.stream<AnswerStream>(name, params, onPacket, { signal: controller.signal });
    } catch (e) {
      if ((e as { code?: string }).code !== 'CANCELLED') get().setChatError(e);
    } finally {
      batch.flush();
      // Keep the streamed text on screen until the stored message arrives (no flash, no scroll jump).
      const done = get().chatStreaming;
      set({
        chatStreaming: null,
        chatMessages: get().chatMessages.map((m) =>
          m.id === done?.assistantId ? { ...m, content: done.text, state: 'complete' } : m,
        ),
      });
      await get().refreshConversation();
      await get().searchConversations(get().chatQuery);
    }
  };

  return {
    chatHost: null,
    endpointStatus: null,
    conversations: [],
    chatQuery: '',
    currentConversationId: null,
    conversation: null,
    chatMessages: [],
    chatStreaming: null,
    chatError: null,
    chatOpened: false,
    chatCompare: null,
    openCompare: (a, b) => set({ chatCompare: { a, b } }),
    clearCompare: () => set({ chatCompare: null }),
    openChat: async () => {
      set({ chatOpened: true });
      void get().loadChatHost();
      await get().searchConversations('');
      const first = get().conversations[0];
      if (!get().currentConversationId && first) await get().selectConversation(first.id);
    },
    loadChatHost: async () => {
      try {
        set({ chatHost: await api.call('chat.status', {}) });
      } catch {
        // Shown as "not running"; the next chat.hostChanged corrects it.
      }
    },
    loadEndpointStatus: async () => {
      try {
        set({ endpointStatus: await api.call('endpoint.status', {}) });
      } catch {
        // The next endpoint.changed brings it.
      }
    },
    importChatModel: async (path) => {
      const m = await api.call('models.import', { path });
      await get().loadModels();
      return m;
    },
    searchConversations: async (query) => {
      set({ chatQuery: query });
      const conversations = await api.call('chat.list', { query: query.trim() || undefined });
      if (get().chatQuery === query) set({ conversations });
    },
    selectConversation: async (id) => {
      set({ currentConversationId: id, chatError: null });
      if (!id) {
        set({ conversation: null, chatMessages: [] });
        return;
      }
      await get().refreshConversation();
    },
    refreshConversation: async () => {
      const id = get().currentConversationId;
      if (!id) return;
      try {
        const r = await api.call('chat.get', { id });
        if (get().currentConversationId === id) set({ conversation: r.conversation, chatMessages: r.messages });
      } catch (e) {
        get().setChatError(e);
      }
    },
    newConversation: async () => {
      const prev = get().conversation;
      const modelId = prev?.modelId ?? selectGgufModels(get())[0]?.id ?? null;
      const c = await api.call('chat.create', { modelId, systemPrompt: prev?.systemPrompt, sampling: prev?.sampling });
      await get().searchConversations('');
      await get().selectConversation(c.id);
    },
    updateConversation: async (patch) => {
      const id = get().currentConversationId;
      if (!id) return;
      const conversation = await api.call('chat.update', { id, ...patch });
      set({ conversation });
      if (patch.leafId) await get().refreshConversation();
    },
    removeConversation: async (id) => {
      await api.call('chat.delete', { id });
      if (get().currentConversationId === id) await get().selectConversation(null);
      await get().searchConversations(get().chatQuery);
    },
    sendMessage: async (content, parentId) => {
      let id = get().currentConversationId;
      if (!id) {
        await get().newConversation();
        id = get().currentConversationId!;
      }
      await stream('chat.send', { conversationId: id, content, ...(parentId !== undefined ? { parentId } : {}) }, id);
    },
    regenerateMessage: async (messageId) => {
      const id = get().currentConversationId;
      if (id) await stream('chat.regenerate', { conversationId: id, messageId }, id);
    },
    stopAnswer: () => get().chatStreaming?.controller.abort(),
    setChatError: (e) => set({ chatError: e === null ? null : messageOf(e) }),
    applyHostChanged: (host) => set({ chatHost: host }),
    applyEndpointChanged: (status) => set({ endpointStatus: status }),
    applyChatChanged: (e) => {
      const st = get();
      if (!st.chatOpened || st.chatStreaming) return; // the stream itself refreshes when it ends
      if (e.conversationId === st.currentConversationId)
        void (e.deleted ? st.selectConversation(null) : st.refreshConversation());
      void st.searchConversations(st.chatQuery);
    },
  };
};
