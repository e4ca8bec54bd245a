import { Alert, Button, Group, Paper, Progress, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconAlertTriangle,
  IconCpu,
  IconDeviceDesktop,
  IconDeviceSdCard,
  IconRefresh,
  IconServer2,
} from '@tabler/icons-react';
import { EmptyState } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import type { GpuStat, HardwareInfo, JobInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { JobProgress } from '../../components/JobProgress';
import { formatAgo, formatMb } from '../../components/format';
import { isActive } from '../../store/jobs-slice';
import { GpuCards } from './GpuCards';

function Fact({ icon, label, children }: { icon: ReactNode; label: string; children: ReactNode }) {
  return (
    <Group gap="sm" align="flex-start" wrap="nowrap">
      <ThemeIcon variant="light" size={36} radius="md" aria-hidden>
        {icon}
      </ThemeIcon>
      <div style={{ minWidth: 0 }}>
        <Text size="xs" tt="uppercase" fw={700} c="dimmed">
          {label}
        </Text>
        {children}
      </div>
    </Group>
  );
}

function Details({ hw, live }: { hw: HardwareInfo; live: GpuStat[] | null }) {
  const disk = hw.disk;
  const diskUsed = disk.totalMb && disk.freeMb !== null ? 100 - (disk.freeMb / disk.totalMb) * 100 : null;
  const memUsed = 100 - (hw.memory.availableMb / hw.memory.totalMb) * 100;
  // The scanner's own "No GPU found" note repeats the alert below.
  const otherNotes = hw.notes.filter((n) => !/^no gpu found/i.test(n));
  const simd = hw.cpu.avx512 ? 'AVX-512' : hw.cpu.avx2 ? 'AVX2' : hw.cpu.flags.includes('neon') ? 'NEON' : null;
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg" verticalSpacing="lg">
        <Fact icon={<IconCpu size={20} />} label="Processor">
          <Text size="sm" fw={600}>
            {hw.cpu.brand}
          </Text>
          <Text size="xs" c="dimmed">
            {hw.cpu.physicalCores} cores · {hw.cpu.logicalCores} threads{simd ? ` · ${simd}` : ''}
          </Text>
        </Fact>
        <Fact icon={<IconServer2 size={20} />} label="Memory">
          <Text size="sm" fw={600}>
            {formatMb(hw.memory.totalMb)} RAM
          </Text>
          <Text size="xs" c="dimmed">
            {formatMb(hw.memory.availableMb)} available
          </Text>
          <Progress value={memUsed} size="xs" mt={6} w={180} aria-label="Memory in use" />
        </Fact>
        <Fact icon={<IconDeviceSdCard size={20} />} label="Disk (data folder)">
          <Text size="sm" fw={600}>
            {formatMb(disk.freeMb)} free{disk.totalMb ? ` of ${formatMb(disk.totalMb)}` : ''}
          </Text>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
            {disk.path}
          </Text>
          {diskUsed !== null && <Progress value={diskUsed} size="xs" mt={6} w={180} aria-label="Disk in use" />}
        </Fact>
        <Fact icon={<IconDeviceDesktop size={20} />} label="System">
          <Text size="sm" fw={600}>
            {hw.os.distro} {hw.os.release}
          </Text>
          <Text size="xs" c="dimmed">
            {hw.os.platform} · {hw.os.arch}
          </Text>
        </Fact>
      </SimpleGrid>
      <div>
        <Text size="xs" tt="uppercase" fw={700} c="dimmed" mb="xs">
          Graphics
        </Text>
        {hw.gpus.length === 0 ? (
          <Alert variant="light" color="yellow" icon={<IconAlertTriangle size={18} />} title="No GPU found">
            LabForge found no NVIDIA or AMD GPU with a working driver, so models run on the CPU. Chat with small models
            works; training is limited to tiny models.
            {otherNotes.length > 0 && (
              <Text size="xs" mt={6} c="dimmed">
                {otherNotes.join(' ')}
              </Text>
            )}
          </Alert>
        ) : (
          <Stack gap="xs">
            <GpuCards gpus={hw.gpus} live={live} />
            {hw.notes.length > 0 && (
              <Text size="xs" c="dimmed">
                {hw.notes.join(' ')}
              </Text>
            )}
          </Stack>
        )}
      </div>
    </Stack>
  );
}

/** Hardware from the last scan, and the button that starts a new one. */
export function HardwareCard({
  hw,
  loaded,
  scan,
  live,
}: {
  hw: HardwareInfo | null;
  loaded: boolean;
  scan: JobInfo | undefined;
  /** Live GPU numbers while a job runs (null otherwise). */
  live: GpuStat[] | null;
}) {
  const [starting, setStarting] = useState(false);
  const scanning = scan !== undefined && isActive(scan);
  const start = async (): Promise<void> => {
    setStarting(true);
    try {
      await api.call('system.scan', {});
    } catch (err) {
      const e = err as AppError;
      notifications.show({ color: 'red', title: 'Could not start the scan', message: e.message });
    } finally {
      setStarting(false);
    }
  };
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="hw-title">
      <Group justify="space-between" mb="md" wrap="nowrap">
        <div>
          <Title order={2} size="h4" id="hw-title">
            Hardware
          </Title>
          <Text size="xs" c="dimmed">
            {hw ? `Scanned ${formatAgo(hw.scannedAt)}` : 'Not scanned yet'}
          </Text>
        </div>
        <Button
          variant={hw ? 'default' : 'filled'}
          leftSection={<IconRefresh size={16} aria-hidden />}
          onClick={() => void start()}
          loading={starting || scanning}
          loaderProps={{ type: 'dots' }}
        >
          Scan hardware
        </Button>
      </Group>
      {scanning && scan && (
        <Paper radius="md" p="sm" mb="md" bg="var(--mantine-color-default-hover)">
          <JobProgress job={scan} />
        </Paper>
      )}
      {scan?.state === 'failed' && scan.error && (
        <Alert color="red" variant="light" mb="md" title="The last scan failed">
          {scan.error.message} {scan.error.hint}
        </Alert>
      )}
      {hw ? (
        <Details hw={hw} live={live} />
      ) : (
        loaded &&
        !scanning && (
          <EmptyState
            icon={<IconCpu size={28} />}
            variant="light"
            title="No hardware scan yet"
            description="Scan this machine to see its processor, memory, GPUs and free disk space, and what LabForge can do with them."
            py="lg"
          />
        )
      )}
    </Paper>
  );
}
