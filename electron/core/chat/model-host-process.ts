/**
 * The model host: a child process that owns node-llama-cpp, so a crash in native code or a
 * malformed GGUF ends this process and never the app. Started by ModelHost with `fork`; speaks
 * the messages of model-host-protocol.ts over the IPC channel.
 */
import { AppError, toErrorInfo } from '../../shared/errors.js';
import {
  HOST_GPU_ENV,
  HOST_PARALLEL_ENV,
  HOST_THREADS_ENV,
  type HostMessage,
  type HostRequest,
} from './model-host-protocol.js';
import { LlamaRuntime } from './llama-runtime.js';
import { parentChannel } from '../util/parent-channel.js';

// Node's fork, or Electron's utilityProcess in the desktop app.
const parent = parentChannel();
const send = (msg: HostMessage): void => parent.send(msg);

const positive = (v: string | undefined, fallback: number): number => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

const runtime = new LlamaRuntime({
  threads: positive(process.env[HOST_THREADS_ENV], 1),
  sequences: positive(process.env[HOST_PARALLEL_ENV], 4),
  gpu: process.env[HOST_GPU_ENV] === 'false' ? false : 'auto',
  log: (line) => process.stderr.write(`${line}\n`),
});
const inflight = new Map<number, AbortController>();

async function announceLoaded(): Promise<void> {
  send({ type: 'loaded', models: await runtime.list() });
}

/** Text goes out at most every FLUSH_MS (the first chunk at once): one IPC message per token costs ~25% at 1000+ tok/s. */
const FLUSH_MS = 16;

function textSender(id: number): { onText(text: string): void; flush(): void } {
  let buf = '';
  let timer: NodeJS.Timeout | null = null;
  let sent = false;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buf) send({ type: 'text', id, text: buf });
    buf = '';
  };
  return {
    onText: (text) => {
      buf += text;
      if (!sent) {
        sent = true;
        flush();
      } else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
  };
}

async function handle(req: Exclude<HostRequest, { type: 'cancel' }>, signal: AbortSignal): Promise<unknown> {
  const text = textSender(req.id);
  try {
    return await run(req, signal, text.onText);
  } finally {
    text.flush();
  }
}

async function run(
  req: Exclude<HostRequest, { type: 'cancel' }>,
  signal: AbortSignal,
  onText: (t: string) => void,
): Promise<unknown> {
  switch (req.type) {
    case 'load': {
      const { loaded } = await runtime.load(req.model, req.settings);
      return loaded.info;
    }
    case 'unload':
      await runtime.unload(req.path);
      return null;
    case 'chat':
      return runtime.chat(req, signal, onText);
    case 'complete':
      return runtime.complete(req, signal, onText);
    case 'structured':
      return runtime.structured(req, signal);
    case 'tokenize':
      return runtime.tokenize(req);
    case 'loglik':
      return runtime.loglik(req, signal);
    case 'embed':
      return runtime.embed(req, signal);
  }
}

parent.onMessage((message) => {
  const raw = message as HostRequest;
  if (raw.type === 'cancel') {
    inflight.get(raw.id)?.abort(new AppError('CANCELLED', 'Cancelled'));
    return;
  }
  const ac = new AbortController();
  inflight.set(raw.id, ac);
  handle(raw, ac.signal)
    .then(
      (value) => send({ type: 'result', id: raw.id, value }),
      (err: unknown) => send({ type: 'error', id: raw.id, error: toErrorInfo(err) }),
    )
    .finally(() => {
      inflight.delete(raw.id);
      void announceLoaded();
    });
});

// The app went away: nothing left to serve.
parent.onDisconnect(() => {
  for (const ac of inflight.values()) ac.abort();
  void runtime.dispose().finally(() => process.exit(0));
});

send({ type: 'ready', pid: process.pid });
