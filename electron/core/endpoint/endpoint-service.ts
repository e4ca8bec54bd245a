import type { EndpointStatus } from '../../shared/contract/index.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ModelHost } from '../chat/model-host.js';
import type { ModelLibrary } from '../models/model-library.js';
import type { EventBus } from '../rpc/event-bus.js';
import { OpenAiServer } from './openai-server.js';

/** Starts and stops the OpenAI-compatible endpoint for the UI (`endpoint.*`) and the CLI. */
export class EndpointService implements AsyncDisposable {
  private server: OpenAiServer | null = null;
  private model: string | null = null;
  private apiKey: string | undefined;

  constructor(private readonly deps: { host: ModelHost; library: ModelLibrary; chat: ChatService; bus: EventBus }) {}

  status(): EndpointStatus {
    const s = this.server;
    return {
      running: s !== null,
      url: s?.url ?? null,
      port: s?.port ?? null,
      model: s ? this.model : null,
      apiKeyRequired: s !== null && this.apiKey !== undefined,
      requests: s?.requests ?? 0,
    };
  }

  /** Starts it (restarting it with the new settings when it runs already). */
  async start(p: { port?: number; apiKey?: string; model?: string }): Promise<EndpointStatus> {
    await this.server?.close();
    this.server = null;
    this.server = await OpenAiServer.start({
      host: this.deps.host,
      library: this.deps.library,
      resolveModel: (ref) => this.deps.chat.resolveModel(ref),
      defaultModel: p.model,
      port: p.port ?? 8000,
      apiKey: p.apiKey,
    });
    this.apiKey = p.apiKey;
    this.model = p.model ? this.deps.chat.resolveModel(p.model).name : null;
    const s = this.status();
    this.deps.bus.emit('endpoint.changed', s);
    return s;
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
