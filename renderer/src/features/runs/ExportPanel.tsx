import { Alert, Badge, Button, Code, Group, NativeSelect, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconFileExport, IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { jobParams, jobResult, type ExportResult, type JobInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { JobActions } from '../../components/JobActions';
import { JobProgress } from '../../components/JobProgress';
import { JobStateBadge } from '../../components/JobStateBadge';
import { formatMb } from '../../components/format';
import { useStore } from '../../store';
import { isActive } from '../../store/jobs-slice';

const quants = [
  { value: 'q8_0', label: 'Q8_0 (8-bit)' },
  { value: 'f16', label: 'F16' },
  { value: 'bf16', label: 'BF16' },
  { value: 'f32', label: 'F32 (largest)' },
];

type Quant = 'q8_0' | 'f16' | 'bf16' | 'f32';

/** Test models export to a few hundred KB; "0 MB" would read as a broken file. */
const formatSize = (bytes: number): string =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : formatMb(bytes / 1024 / 1024);

function latestExport(jobs: Record<string, JobInfo>, checkpoint: string): JobInfo | undefined {
  let best: JobInfo | undefined;
  for (const j of Object.values(jobs)) {
    if (jobParams('export.gguf', j)?.checkpoint !== checkpoint) continue;
    if (!best || j.createdAt > best.createdAt) best = j;
  }
  return best;
}

function ExportOutcome({ result }: { result: ExportResult }) {
  const { check } = result;
  const allSame = check.identical === check.prompts;
  return (
    <Stack gap={6} mt="sm">
      <Group gap="xs" wrap="wrap">
        <Badge
          color={allSame ? 'teal' : 'yellow'}
          variant="light"
          radius="sm"
          leftSection={allSame ? <IconCheck size={12} /> : <IconAlertTriangle size={12} />}
        >
          {check.identical}/{check.prompts} greedy answers identical
        </Badge>
        <Badge color={check.tokenizationMatches ? 'teal' : 'yellow'} variant="light" radius="sm">
          {check.tokenizationMatches ? 'Tokenization matches' : 'Tokenization differs'}
        </Badge>
        <Badge color="gray" variant="light" radius="sm">
          {result.quant} · {formatSize(result.sizeBytes)}
        </Badge>
      </Group>
      <Text size="sm">
        Written to <Code style={{ wordBreak: 'break-all' }}>{result.path}</Code>
      </Text>
      {!allSame && (
        <Text size="xs" c="dimmed">
          Some answers differ from the checkpoint’s; quantization can change a greedy token now and then. Try F16 to
          compare.
        </Text>
      )}
    </Stack>
  );
}

/** GGUF export of the run's best checkpoint: the file the Chat page and llama.cpp tools load. */
export function ExportPanel({ checkpoint }: { checkpoint: string }) {
  const job = useStore(useShallow((s) => latestExport(s.jobsById, checkpoint)));
  const [quant, setQuant] = useState<Quant>('q8_0');
  const [starting, setStarting] = useState(false);
  const running = job !== undefined && isActive(job);
  const exported = job ? jobResult('export.gguf', job) : null;

  const start = async (): Promise<void> => {
    setStarting(true);
    try {
      await api.call('export.gguf', { checkpoint, quant });
    } catch (err) {
      const e = err as AppError;
      notifications.show({
        color: 'red',
        title: 'Could not start the export',
        message: [e.message, e.hint].filter(Boolean).join(' '),
      });
    } finally {
      setStarting(false);
    }
  };

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="export-title">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="md">
        <div style={{ minWidth: 0, flex: 1 }}>
          <Title order={3} size="h5" id="export-title">
            Export to GGUF
          </Title>
          <Text size="xs" c="dimmed">
            Merges the best checkpoint into its base model, converts it with llama.cpp and checks that the file answers
            like the checkpoint.
          </Text>
        </div>
        <Group gap="sm" align="flex-end" wrap="nowrap">
          <NativeSelect
            label="Quantization"
            data={quants}
            value={quant}
            onChange={(e) => setQuant(e.currentTarget.value as Quant)}
            disabled={running}
            description="Q8_0 keeps quality at half the size of F16."
            w={260}
          />
          <Button
            leftSection={<IconFileExport size={16} aria-hidden />}
            onClick={() => void start()}
            loading={starting}
            disabled={running}
          >
            Export best checkpoint
          </Button>
        </Group>
      </Group>
      {job && (
        <div style={{ marginTop: 12 }}>
          <Group gap="xs" mb={6}>
            <JobStateBadge state={job.state} />
            <Text size="xs" c="dimmed">
              {job.title}
            </Text>
          </Group>
          {running && (
            <Group align="flex-start" gap="md" wrap="nowrap">
              <div style={{ flex: 1, minWidth: 0 }}>
                <JobProgress job={job} />
              </div>
              <JobActions job={job} />
            </Group>
          )}
          {exported && <ExportOutcome result={exported} />}
          {job.state === 'failed' && job.error && (
            <Alert color="red" variant="light" title={job.error.message} mt="xs">
              {job.error.hint ?? 'See the Jobs page for the full log.'}
            </Alert>
          )}
        </div>
      )}
    </Paper>
  );
}
