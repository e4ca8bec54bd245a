import { Badge, Button, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconDownload, IconLock } from '@tabler/icons-react';
import { useState } from 'react';
import type {
  CatalogEntry,
  CatalogSource,
  HardwareInfo,
  JobInfo,
  ModelInfo,
} from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { DownloadProgress } from './DownloadProgress';
import {
  downloadPhase,
  formatBytes,
  formatParams,
  jobForSource,
  modelForSource,
  roughFit,
  sourceLabel,
} from './download-state';
import { useFit } from './useFit';

const roleColor = { student: 'grape', teacher: 'blue', judge: 'orange', chat: 'teal' } as const;

function FitBadge({ label, fits, reason }: { label: string; fits: boolean | null; reason: string }) {
  return (
    <Tooltip label={reason} multiline w={320} withArrow>
      <Badge
        variant="light"
        color={fits === null ? 'gray' : fits ? 'teal' : 'red'}
        aria-label={`${label}: ${fits === null ? 'unknown' : fits ? 'fits this machine' : 'does not fit this machine'}. ${reason}`}
      >
        {label}: {fits === null ? '?' : fits ? 'fits' : "doesn't fit"}
      </Badge>
    </Tooltip>
  );
}

function SourceRow({
  entry,
  source,
  job,
  model,
  hardware,
}: {
  entry: CatalogEntry;
  source: CatalogSource;
  job: JobInfo | null;
  model: ModelInfo | null;
  hardware: HardwareInfo | null;
}) {
  const [busy, setBusy] = useState(false);
  const label = `${entry.name} ${sourceLabel(source)}`;
  const rough = source.kind === 'gguf' ? roughFit(source, hardware) : null;
  const start = async (): Promise<void> => {
    setBusy(true);
    try {
      await api.call('models.download', {
        repo: source.repo,
        revision: source.revision,
        files: source.kind === 'gguf' ? [source.file] : [],
        catalogId: entry.id,
        roles: source.kind === 'gguf' ? entry.roles.filter((r) => r !== 'student') : ['student'],
      });
    } catch (err) {
      const e = err as AppError;
      notifications.show({
        color: 'red',
        title: 'Could not start the download',
        message: e.hint ? `${e.message} ${e.hint}` : e.message,
      });
    } finally {
      setBusy(false);
    }
  };
  const phase = job ? downloadPhase(job) : null;
  const showProgress = job && !model && (phase === 'active' || phase === 'paused' || phase === 'failed');
  return (
    <Stack gap={4} role="group" aria-label={label}>
      <Group justify="space-between" wrap="nowrap" gap="xs" align="flex-start">
        <div style={{ minWidth: 0 }}>
          <Text size="sm" fw={500}>
            {sourceLabel(source)} · {source.sizeBasis === 'estimate' ? '≈ ' : ''}
            {formatBytes(source.sizeBytes)}
          </Text>
          <Text
            size="xs"
            c="dimmed"
            truncate
            title={source.kind === 'gguf' ? `${source.repo}/${source.file}` : source.repo}
          >
            {source.kind === 'gguf' ? `${source.repo} · ${source.file}` : source.repo}
          </Text>
        </div>
        <div style={{ flexShrink: 0 }}>
          {model ? (
            <Badge color="teal" variant="light" leftSection={<IconCheck size={12} aria-hidden />}>
              In library
            </Badge>
          ) : (
            !showProgress && (
              <Button
                size="compact-sm"
                variant="light"
                leftSection={<IconDownload size={14} aria-hidden />}
                loading={busy}
                onClick={() => void start()}
                aria-label={`Download ${label}`}
              >
                Download
              </Button>
            )
          )}
        </div>
      </Group>
      {(rough || (source.kind === 'safetensors' && source.gated)) && (
        <Group gap={6}>
          {rough && <FitBadge label="Memory" fits={rough.fits} reason={rough.reason} />}
          {source.kind === 'safetensors' && source.gated && (
            <Tooltip label="Gated on the hub: accept its terms there and set HF_TOKEN before LabForge starts.">
              <Badge variant="light" color="yellow" leftSection={<IconLock size={12} aria-hidden />}>
                needs a token
              </Badge>
            </Tooltip>
          )}
        </Group>
      )}
      {showProgress && <DownloadProgress job={job} label={label} />}
    </Stack>
  );
}

/** One catalog model: what it is for, how big, whether it fits, and its downloads. */
export function CatalogCard({
  entry,
  jobs,
  models,
  hardware,
}: {
  entry: CatalogEntry;
  jobs: JobInfo[];
  models: ModelInfo[];
  hardware: HardwareInfo | null;
}) {
  const fit = useFit(entry);
  return (
    <Card withBorder radius="md" padding="md" component="article" aria-label={entry.name}>
      <Group justify="space-between" align="flex-start" wrap="nowrap" mb={4}>
        <div>
          <Text fw={600}>{entry.name}</Text>
          <Text size="xs" c="dimmed">
            {formatParams(entry.parameters)} parameters · {entry.contextLength.toLocaleString()} context ·{' '}
            {entry.licence}
          </Text>
        </div>
        {entry.rhelAi && (
          <Badge variant="outline" color="red">
            RHEL AI
          </Badge>
        )}
      </Group>
      <Group gap={4} mb="xs">
        {entry.roles.map((r) => (
          <Badge key={r} size="sm" color={roleColor[r]} variant="light">
            {r}
          </Badge>
        ))}
        {fit.pending && (
          <Badge variant="light" color="gray">
            fit: checking…
          </Badge>
        )}
        {fit.error && <FitBadge label="Fit" fits={null} reason={fit.error} />}
        {fit.chat && <FitBadge label="Chat" fits={fit.chat.fits} reason={fit.chat.reason} />}
        {fit.train && <FitBadge label="LoRA training" fits={fit.train.fits} reason={fit.train.reason} />}
      </Group>
      <Text size="sm" c="dimmed" mb="sm" lineClamp={3}>
        {entry.description}
      </Text>
      <Stack gap="sm">
        {entry.sources.map((s) => (
          <SourceRow
            key={`${s.repo}/${s.kind === 'gguf' ? s.file : ''}`}
            entry={entry}
            source={s}
            job={jobForSource(jobs, s)}
            model={modelForSource(models, s)}
            hardware={hardware}
          />
        ))}
      </Stack>
    </Card>
  );
}
