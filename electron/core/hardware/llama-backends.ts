import type { LlamaBackends, LlamaGpuType } from '../../shared/contract/index.js';

const known = (t: unknown): t is LlamaGpuType => t === 'cuda' || t === 'vulkan' || t === 'metal' || t === 'cpu';

/**
 * Which backend node-llama-cpp can use here, from its own detection: the GPU types whose prebuilt
 * binaries can run on this machine, then the one `getLlama` actually loads. Offline and without
 * building (`build: 'never'`): it only tries the prebuilt binaries that ship in node_modules.
 */
export async function detectLlamaBackends(signal: AbortSignal): Promise<{ value: LlamaBackends; reason: string }> {
  const { getLlama, getLlamaGpuTypes, LlamaLogLevel } = await import('node-llama-cpp');
  const supported: LlamaGpuType[] = [];
  for (const t of await getLlamaGpuTypes('supported')) if (known(t)) supported.push(t);
  signal.throwIfAborted();
  const llama = await getLlama({
    gpu: 'auto',
    build: 'never',
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    logger: () => undefined,
    maxThreads: 1,
  });
  try {
    const selected = llama.gpu === false ? 'cpu' : known(llama.gpu) ? llama.gpu : null;
    const devices = llama.gpu === false ? [] : await llama.getGpuDeviceNames();
    const vram = llama.gpu === false ? null : await llama.getVramState();
    const value: LlamaBackends = {
      supported: [...new Set<LlamaGpuType>([...supported, 'cpu'])],
      selected,
      devices,
      vramTotalBytes: vram?.total ?? null,
      vramFreeBytes: vram?.free ?? null,
      unifiedMemory: (vram?.unifiedSize ?? 0) > 0,
    };
    const reason =
      selected === 'cpu'
        ? `node-llama-cpp runs on the CPU (no GPU backend it can use${supported.length ? `; binaries for ${supported.join(', ')} exist but did not load` : ''}).`
        : `node-llama-cpp uses ${selected}${devices.length ? ` on ${devices.join(', ')}` : ''}.`;
    return { value, reason };
  } finally {
    await llama.dispose();
  }
}
