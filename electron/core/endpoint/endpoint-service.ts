import type { EndpointStatus } from '../../shared/contract/index.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ModelHost } from '../chat/model-host.js';
import type { ModelLibrary } from '../models/model-library.js';
import type { EventBus } from '../rpc/event-bus.js';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import { OpenAiServer } from './openai-server.js';

/** Starts and stops the OpenAI-compatible endpoint for the UI (`endpoint.*`) and the CLI. */
export class EndpointService implements AsyncDisposable {
  private server: OpenAiServer | null = null;
  private model: string | null = null;
  private apiKey: string | undefined;
  private keptKeyInUse = false;

  constructor(
    private readonly deps: {
      host: ModelHost;
      library: ModelLibrary;
      chat: ChatService;
      bus: EventBus;
      /** Where the generated key is kept (`<data dir>/endpoint-api-key`). */
      keyFile: string;
    },
  ) {}

  /** The kept key, or a new one (then also returned as issued, to be shown once). */
  private async keptKey(): Promise<{ key: string; issued: boolean }> {
    const f = this.deps.keyFile;
    if (existsSync(f)) {
      const key = readFileSync(f, 'utf8').trim();
      if (key) return { key, issued: false };
    }
    const key = `lf-${randomBytes(24).toString('base64url')}`;
    await writeFileAtomic(f, `${key}\n`);
    chmodSync(f, 0o600);
    return { key, issued: true };
  }

  status(): EndpointStatus {
    const s = this.server;
    return {
      running: s !== null,
      url: s?.url ?? null,
      port: s?.port ?? null,
      model: s ? this.model : null,
      apiKeyRequired: s !== null && this.apiKey !== undefined,
      apiKeyFile: s !== null && this.keptKeyInUse ? this.deps.keyFile : null,
      requests: s?.requests ?? 0,
    };
  }

  /** Starts it (restarting it with the new settings when it runs already). */
  async start(p: { port?: number; apiKey?: string; model?: string; auth?: 'key' | 'none' }): Promise<EndpointStatus> {
    await this.server?.close();
    this.server = null;
    let apiKey: string | undefined;
    let issued = false;
    if (p.auth !== 'none') {
      if (p.apiKey) apiKey = p.apiKey;
      else ({ key: apiKey, issued } = await this.keptKey());
    }
    this.server = await OpenAiServer.start({
      host: this.deps.host,
      library: this.deps.library,
      resolveModel: (ref) => this.deps.chat.resolveModel(ref),
      // What the user chose in Chat's load settings applies to the endpoint too (one loaded copy).
      settingsOf: (model) => this.deps.chat.loadSettingsOf(model).settings,
      defaultModel: p.model,
      port: p.port ?? 8000,
      apiKey,
    });
    this.apiKey = apiKey;
    this.keptKeyInUse = apiKey !== undefined && !p.apiKey;
    this.model = p.model ? this.deps.chat.resolveModel(p.model).name : null;
    const s = this.status();
    this.deps.bus.emit('endpoint.changed', s); // never with the key: events reach every window
    return issued ? { ...s, issuedKey: apiKey } : s;
  }

  async stop(): Promise<EndpointStatus> {
    const s = this.server;
    this.server = null;
    if (s) {
      await s.close();
      this.deps.bus.emit('endpoint.changed', this.status());
    }
    return this.status();
  }

  async dispose(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
