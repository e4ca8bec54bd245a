import { z } from 'zod';
import { errorInfoSchema } from '../errors.js';
import { event, rpc, stream } from './define.js';

/** Sampling parameters; anything left out takes the model host's default. */
export const samplingSchema = z.object({
  /** 0 = greedy. Default 0.8 (`ilab model chat` uses 1.0). */
  temperature: z.number().min(0).max(5).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().min(0).max(100_000).optional(),
  /** Upper bound on the answer's length in tokens. Default 1024. */
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  repeatPenalty: z.number().min(0).max(10).optional(),
});
export type Sampling = z.infer<typeof samplingSchema>;

/** How a model is loaded; `auto` fits context and GPU layers to the hardware. */
export const loadSettingsSchema = z.object({
  contextSize: z.union([z.literal('auto'), z.number().int().min(16).max(16_777_216)]).optional(),
  gpuLayers: z.union([z.literal('auto'), z.literal('max'), z.number().int().min(0).max(10_000)]).optional(),
  /**
   * Sequences of the context (answers decoded together). Default: the host's (4, for chat); a
   * local teacher asks for 8. Applies when the model is loaded; a model already loaded keeps its own.
   */
  sequences: z.number().int().min(1).max(64).optional(),
  /** CPU threads for generation; default: the host's (physical cores, or LABFORGE_MODEL_THREADS). */
  threads: z.number().int().min(1).max(1024).optional(),
  /** Flash attention; default `auto` (on where the model and backend support it). */
  flashAttention: z.boolean().optional(),
});
export type LoadSettings = z.infer<typeof loadSettingsSchema>;

export const loadedModelInfoSchema = z.object({
  /** The library id, or null for a model opened by path. */
  modelId: z.string().nullable(),
  name: z.string(),
  path: z.string(),
  contextSize: z.number(),
  trainContextSize: z.number(),
  gpuLayers: z.number(),
  totalLayers: z.number(),
  gpu: z.string().nullable(),
  threads: z.number(),
  sequences: z.number(),
  /** Flash attention as asked for when loading (absent: `auto`, node-llama-cpp's choice). */
  flashAttention: z.boolean().optional(),
  chatTemplate: z.string(),
  loadMs: z.number(),
});
export type LoadedModelInfo = z.infer<typeof loadedModelInfoSchema>;

export const hostStatusSchema = z.object({
  running: z.boolean(),
  pid: z.number().nullable(),
  loaded: z.array(loadedModelInfoSchema),
  /** The last unexpected exit of the model host, if any; it restarts on the next request. */
  lastCrash: z.object({ time: z.number(), message: z.string() }).nullable(),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;

export const stopReasonSchema = z.enum(['eos', 'maxTokens', 'stopped', 'error']);

export const generationStatsSchema = z.object({
  tokens: z.number(),
  promptTokens: z.number(),
  tokensPerSec: z.number(),
  /** Time to first token, from the request reaching the loaded model. */
  ttftMs: z.number(),
  /** Time spent loading the model for this request (0 when it was already loaded). */
  loadMs: z.number(),
  totalMs: z.number(),
  stopReason: stopReasonSchema,
  model: z.object({ id: z.string().nullable(), name: z.string() }),
  settings: z.object({
    contextSize: z.number(),
    gpuLayers: z.number(),
    threads: z.number(),
    sampling: samplingSchema,
  }),
});
export type GenerationStats = z.infer<typeof generationStatsSchema>;

export const messageRoleSchema = z.enum(['user', 'assistant']);
export const messageStateSchema = z.enum(['complete', 'streaming', 'stopped', 'error']);

export const messageInfoSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  /** Messages form a tree: an edited prompt or a regenerated answer is a sibling branch. */
  parentId: z.string().nullable(),
  role: messageRoleSchema,
  content: z.string(),
  state: messageStateSchema,
  modelId: z.string().nullable(),
  stats: generationStatsSchema.nullable(),
  error: errorInfoSchema.nullable(),
  createdAt: z.number(),
});
export type MessageInfo = z.infer<typeof messageInfoSchema>;

export const conversationInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  modelId: z.string().nullable(),
  systemPrompt: z.string(),
  sampling: samplingSchema,
  /** The last message of the branch on screen. */
  leafId: z.string().nullable(),
  messageCount: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** For search results: the matching text with the hits in [brackets]. */
  snippet: z.string().optional(),
});
export type ConversationInfo = z.infer<typeof conversationInfoSchema>;

/** A message of a stateless generation. */
export const chatTurnSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
export type ChatTurn = z.infer<typeof chatTurnSchema>;

export const chatPacketSchema = z.discriminatedUnion('type', [
  /** The stored messages this request created (absent for stateless generations). */
  z.object({
    type: z.literal('started'),
    userMessage: messageInfoSchema.nullable(),
    assistantMessage: messageInfoSchema.nullable(),
  }),
  z.object({ type: z.literal('token'), text: z.string() }),
  /** The last packet: figures of the generation and the stored answer. */
  z.object({ type: z.literal('stats'), stats: generationStatsSchema, message: messageInfoSchema.nullable() }),
]);
export type ChatPacket = z.infer<typeof chatPacketSchema>;

const convId = z.object({ id: z.string().min(1) });
const settings = {
  title: z.string().max(500).optional(),
  modelId: z.string().nullable().optional(),
  systemPrompt: z.string().max(100_000).optional(),
  sampling: samplingSchema.optional(),
};

export const chatContract = {
  /** Conversations, most recently active first; `query` searches titles and messages (full text). */
  'chat.list': rpc(
    z.object({ query: z.string().max(500).optional(), limit: z.number().int().positive().max(1000).optional() }),
    z.array(conversationInfoSchema),
  ),
  /** A conversation with every message of every branch. */
  'chat.get': rpc(convId, z.object({ conversation: conversationInfoSchema, messages: z.array(messageInfoSchema) })),
  /** Starts a conversation. */
  'chat.create': rpc(z.object(settings), conversationInfoSchema),
  /** Changes a conversation's settings; `leafId` shows another branch (its newest leaf below that message). */
  'chat.update': rpc(convId.extend({ ...settings, leafId: z.string().optional() }), conversationInfoSchema),
  /** Deletes a conversation and its messages. */
  'chat.delete': rpc(convId, z.null()),
  /** A conversation's branch on screen as Markdown, or every message as JSON. */
  'chat.export': rpc(
    convId.extend({ format: z.enum(['markdown', 'json']) }),
    z.object({ filename: z.string(), mimeType: z.string(), content: z.string() }),
  ),
  /**
   * Sends a user message (below `parentId`, default the current leaf; a parent other than the
   * leaf is edit-and-resend as a new branch) and streams the answer of the conversation's model.
   * Cancel stops generation and keeps the partial answer. The user message and any partial
   * answer are stored even when the model host crashes.
   */
  'chat.send': stream(
    z.object({
      conversationId: z.string().min(1),
      content: z.string().min(1).max(1_000_000),
      parentId: z.string().nullable().optional(),
    }),
    chatPacketSchema,
  ),
  /** A new answer to the user message of `messageId` (an answer to regenerate, or a user message). */
  'chat.regenerate': stream(
    z.object({ conversationId: z.string().min(1), messageId: z.string().min(1) }),
    chatPacketSchema,
  ),
  /** A stateless generation (compare mode, the terminal chat): nothing is stored. */
  'chat.generate': stream(
    z.object({
      /** A library id or name, or a path to a GGUF file. */
      model: z.string().min(1),
      messages: z.array(chatTurnSchema).min(1),
      sampling: samplingSchema.optional(),
    }),
    chatPacketSchema,
  ),
  /**
   * Loads a model into the model host (requests load it on demand, too) with `settings`, or the
   * remembered ones; given settings are remembered. Explicit sizes are checked with the fit
   * estimator first: settings that do not fit are refused (OUT_OF_MEMORY) before loading.
   */
  'chat.load': rpc(
    z.object({ model: z.string().min(1), settings: loadSettingsSchema.optional() }),
    loadedModelInfoSchema,
  ),
  /**
   * The load settings remembered for a model (chat, compare and `labforge chat` load it with
   * them); `remembered` is false when none were saved yet.
   */
  'chat.loadSettings.get': rpc(
    z.object({ model: z.string().min(1) }),
    z.object({ settings: loadSettingsSchema, remembered: z.boolean() }),
  ),
  /** Remembers a model's load settings (they apply the next time it is loaded). */
  'chat.loadSettings.set': rpc(
    z.object({ model: z.string().min(1), settings: loadSettingsSchema }),
    z.object({ settings: loadSettingsSchema, remembered: z.boolean() }),
  ),
  /** Unloads a model, freeing its memory. */
  'chat.unload': rpc(z.object({ model: z.string().min(1) }), hostStatusSchema),
  /** The model host: running or not, loaded models, last crash. */
  'chat.status': rpc(z.object({}), hostStatusSchema),
  /** A conversation or its messages changed (`deleted` when it is gone). */
  'chat.changed': event(z.object({ conversationId: z.string(), deleted: z.boolean() })),
  /** The model host started, stopped, crashed, loaded or unloaded a model. */
  'chat.hostChanged': event(hostStatusSchema),
} as const;
