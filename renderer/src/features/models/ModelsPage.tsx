import { Alert, Button, Group, Paper, SimpleGrid, Stack, Tabs, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBox, IconDownload, IconInfoCircle } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { CatalogEntry } from '../../../../electron/shared/contract';
import { jobParams } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import { sortJobs } from '../../store/jobs-slice';
import { CatalogCard } from './CatalogCard';
import { DownloadProgress } from './DownloadProgress';
import { HfCachePanel } from './HfCachePanel';
import { downloadPhase } from './download-state';
import { ImportForm, LibraryTable } from './LibraryTable';

/** Any repo and files from the hub (`HF_ENDPOINT`), as `labforge models pull` does. */
function PullForm() {
  const [repo, setRepo] = useState('');
  const [files, setFiles] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    try {
      await api.call('models.download', { repo: repo.trim(), files: files.split(/[\s,]+/).filter(Boolean) });
      setRepo('');
      setFiles('');
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
  return (
    <Group align="flex-end" gap="xs">
      <TextInput
        label="Hub repository"
        placeholder="owner/name"
        value={repo}
        onChange={(e) => setRepo(e.currentTarget.value)}
        style={{ flex: 1 }}
      />
      <TextInput
        label="Files"
        description="Empty: the whole safetensors repo"
        placeholder="model-Q4_K_M.gguf"
        value={files}
        onChange={(e) => setFiles(e.currentTarget.value)}
        style={{ flex: 1 }}
      />
      <Button
        leftSection={<IconDownload size={16} aria-hidden />}
        disabled={!/^[\w.-]+\/[\w.-]+$/.test(repo.trim())}
        loading={busy}
        onClick={() => void submit()}
      >
        Pull
      </Button>
    </Group>
  );
}

export function ModelsPage() {
  const [catalog, setCatalog] = useState<CatalogEntry[] | null>(null);
  const [catalogError, setCatalogError] = useState<string | null>(null);
  const downloads = useStore(
    useShallow((s) => sortJobs(Object.values(s.jobsById).filter((j) => j.kind === 'models.download'))),
  );
  const models = useStore(useShallow((s) => Object.values(s.modelsById).sort((a, b) => b.createdAt - a.createdAt)));
  const runs = useStore(useShallow((s) => Object.values(s.jobsById).filter((j) => j.kind === 'training.run')));
  const hardware = useStore((s) => s.hardware);
  useEffect(() => {
    api.call('models.catalog', {}).then(setCatalog, (err: unknown) => setCatalogError((err as Error).message));
  }, []);
  // Catalog downloads show on their card; this list has the others (Pull, CLI).
  const open = downloads.filter(
    (j) => !jobParams('models.download', j)?.catalogId && ['active', 'paused', 'failed'].includes(downloadPhase(j)),
  );

  return (
    <>
      <PageHeader
        title="Models"
        description="Students to tune, teachers to generate data, judges to evaluate, GGUFs to chat with: download them from the hub (resumable, verified), reuse your Hugging Face cache, or import local files."
      />
      <Tabs defaultValue="catalog" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="catalog" leftSection={<IconDownload size={16} aria-hidden />}>
            Catalog
          </Tabs.Tab>
          <Tabs.Tab value="library" leftSection={<IconBox size={16} aria-hidden />}>
            Library ({models.length})
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="catalog">
          <Stack gap="lg">
            {open.length > 0 && (
              <Paper withBorder p="md" radius="md" component="section" aria-labelledby="downloads-title">
                <Title order={2} size="h5" id="downloads-title" mb="sm">
                  Downloads
                </Title>
                <Stack gap="sm">
                  {open.map((j) => {
                    const p = jobParams('models.download', j);
                    const label = p ? `${p.repo}${p.files.length ? ` ${p.files.join(', ')}` : ''}` : j.title;
                    return (
                      <div key={j.id}>
                        <Text size="sm" fw={500}>
                          {label}
                        </Text>
                        <DownloadProgress job={j} label={label} />
                      </div>
                    );
                  })}
                </Stack>
              </Paper>
            )}
            {catalogError && (
              <Alert color="red" icon={<IconInfoCircle />} title="The catalog could not be read">
                {catalogError}
              </Alert>
            )}
            <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md">
              {(catalog ?? []).map((e) => (
                <CatalogCard key={e.id} entry={e} jobs={downloads} models={models} hardware={hardware} />
              ))}
            </SimpleGrid>
            <Paper withBorder p="md" radius="md">
              <PullForm />
            </Paper>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="library">
          <Stack gap="lg">
            <LibraryTable models={models} runs={runs} />
            <HfCachePanel models={models} />
            <Paper withBorder p="md" radius="md">
              <ImportForm />
            </Paper>
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
