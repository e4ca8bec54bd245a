import { Badge, Group, Paper, Progress, SimpleGrid, Stack, Text } from '@mantine/core';
import type { GpuInfo, GpuStat } from '../../../../electron/shared/contract';
import { formatMb } from '../../components/format';

function Bar({ label, value, text, color }: { label: string; value: number; text: string; color?: string }) {
  return (
    <div>
      <Group justify="space-between" gap="xs">
        <Text size="xs" c="dimmed">
          {label}
        </Text>
        <Text size="xs" fw={600}>
          {text}
        </Text>
      </Group>
      <Progress value={Math.min(100, Math.max(0, value))} size="md" radius="sm" color={color} aria-label={label} />
    </div>
  );
}

/** One GPU: VRAM bar (live while a job runs, else from the scan), utilisation, MIG slices. */
function GpuCard({ gpu, live }: { gpu: GpuInfo; live: GpuStat | undefined }) {
  const total = live?.memoryTotalMb ?? gpu.vramMb;
  const used =
    live?.memoryUsedMb ?? (gpu.vramMb !== null && gpu.vramFreeMb !== null ? gpu.vramMb - gpu.vramFreeMb : null);
  const util = live?.utilizationPct ?? gpu.utilizationPct;
  const facts = [
    gpu.driverVersion && `driver ${gpu.driverVersion}`,
    gpu.cudaVersion && `CUDA ${gpu.cudaVersion}`,
    gpu.computeCapability && `compute ${gpu.computeCapability}`,
  ].filter(Boolean);
  return (
    <Paper withBorder radius="md" p="sm" component="article" aria-label={`GPU ${gpu.index}`}>
      <Group justify="space-between" wrap="nowrap" mb={4}>
        <Text fw={600} size="sm" lineClamp={2}>
          GPU {gpu.index}: {gpu.model}
        </Text>
        <Badge
          variant="light"
          color={gpu.unifiedMemory ? 'grape' : 'gray'}
          radius="sm"
          style={{ flexShrink: 0, overflow: 'visible' }}
        >
          {gpu.vramMb ? `${formatMb(gpu.vramMb)} ${gpu.unifiedMemory ? 'unified' : 'VRAM'}` : 'VRAM unknown'}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        {[gpu.vendor, ...facts].join(' · ')} · via {gpu.source}
        {live ? ' · live' : ''}
      </Text>
      <Stack gap={6}>
        {total !== null && used !== null && (
          <Bar
            label={`GPU ${gpu.index} memory in use`}
            value={(used / total) * 100}
            text={`${formatMb(used)} of ${formatMb(total)}`}
            color={used / total > 0.9 ? 'red' : undefined}
          />
        )}
        {util !== null && (
          <Bar label={`GPU ${gpu.index} utilisation`} value={util} text={`${Math.round(util)} %`} color="teal" />
        )}
      </Stack>
      {gpu.mig.length > 0 && (
        <Group gap={4} mt="xs">
          <Text size="xs" c="dimmed">
            MIG:
          </Text>
          {gpu.mig.map((m, i) => (
            <Badge key={`${m.profile}-${i}`} size="xs" variant="outline" radius="sm">
              {m.profile}
            </Badge>
          ))}
        </Group>
      )}
    </Paper>
  );
}

export function GpuCards({ gpus, live }: { gpus: GpuInfo[]; live: GpuStat[] | null }) {
  return (
    <SimpleGrid cols={{ base: 1, md: gpus.length > 1 ? 2 : 1 }} spacing="xs">
      {gpus.map((g) => (
        <GpuCard key={g.index} gpu={g} live={live?.find((s) => s.index === g.index)} />
      ))}
    </SimpleGrid>
  );
}
