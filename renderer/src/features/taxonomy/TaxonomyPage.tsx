import {
  Alert,
  Badge,
  Button,
  Center,
  Grid,
  Group,
  Loader,
  Menu,
  Paper,
  ScrollArea,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { IconAlertCircle, IconBinaryTree, IconGitBranch, IconGitCommit, IconPlus } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { api } from '../../api/connection';
import { PageHeader } from '../../components/PageHeader';
import { CommitModal } from './CommitModal';
import { FileEditor } from './FileEditor';
import { NewEntryWizard } from './NewEntryWizard';
import { OpenTaxonomy } from './OpenTaxonomy';
import { TaxonomyTree } from './TaxonomyTree';
import { useStore } from '../../store';
import { TrainingDiff } from './TrainingDiff';

function BranchMenu({ current, onError }: { current: string | null; onError(e: unknown): void }) {
  const [branches, setBranches] = useState<string[]>([]);
  const [name, setName] = useState('');
  return (
    <Menu
      shadow="md"
      width={240}
      onOpen={() =>
        void api
          .call('taxonomy.branches', {})
          .then((b) => setBranches(b.local))
          .catch(onError)
      }
    >
      <Menu.Target>
        <Button
          variant="default"
          leftSection={<IconGitBranch size={16} />}
          aria-label={`Branch ${current ?? '(detached)'}`}
        >
          {current ?? 'detached'}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Switch branch</Menu.Label>
        {branches.map((b) => (
          <Menu.Item
            key={b}
            disabled={b === current}
            onClick={() => void api.call('taxonomy.checkout', { branch: b }).catch(onError)}
          >
            {b}
          </Menu.Item>
        ))}
        <Menu.Divider />
        <Group p="xs" gap={4} wrap="nowrap">
          <TextInput
            size="xs"
            placeholder="new-branch"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            aria-label="New branch name"
          />
          <Button
            size="xs"
            disabled={!name.trim()}
            onClick={() =>
              void api
                .call('taxonomy.createBranch', { name: name.trim() })
                .then(() => setName(''))
                .catch(onError)
            }
          >
            Create
          </Button>
        </Group>
      </Menu.Dropdown>
    </Menu>
  );
}

export function TaxonomyPage() {
  const s = useStore(
    useShallow((x) => ({
      info: x.taxonomyInfo,
      loaded: x.taxonomyLoaded,
      entries: x.taxonomyEntries,
      diff: x.taxonomyDiff,
      file: x.taxonomyFile,
      error: x.taxonomyError,
    })),
  );
  const { refreshTaxonomy: refresh, selectTaxonomyFile: select, setTaxonomyError: setError } = useStore.getState();
  const [wizard, setWizard] = useState(false);
  const [commit, setCommit] = useState(false);

  // Later changes arrive as `taxonomy.changed`, which store/sync.ts applies.
  useEffect(() => void refresh().catch(setError), [refresh, setError]);

  const changed = useMemo(() => new Set(s.diff?.leaves.map((l) => l.path) ?? []), [s.diff]);
  const open = (path: string): void => void select(path).catch(setError);

  const header = (
    <PageHeader
      title="Taxonomy"
      description="The knowledge and skills you teach, as InstructLab qna.yaml files in a git repository. Every file is checked as you type with the same rules ilab uses."
      actions={
        s.info && (
          <Group gap="sm">
            <BranchMenu current={s.info.branch} onError={setError} />
            <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => setWizard(true)}>
              New entry
            </Button>
            <Button
              leftSection={<IconGitCommit size={16} />}
              onClick={() => setCommit(true)}
              rightSection={
                s.info.dirtyFiles ? (
                  <Badge size="sm" color="white" c="indigo" variant="filled">
                    {s.info.dirtyFiles}
                  </Badge>
                ) : undefined
              }
            >
              Review & commit
            </Button>
          </Group>
        )
      }
    />
  );

  if (!s.loaded)
    return (
      <>
        {header}
        <Center h={200}>
          <Loader />
        </Center>
      </>
    );

  return (
    <>
      {header}
      {s.error && (
        <Alert
          color="red"
          icon={<IconAlertCircle />}
          withCloseButton
          onClose={() => setError(null)}
          mb="md"
          role="alert"
        >
          {s.error}
        </Alert>
      )}
      {!s.info ? (
        <OpenTaxonomy onReady={() => void refresh().catch(setError)} />
      ) : (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 4, lg: 3 }}>
            <Stack gap="md">
              <Paper withBorder radius="md" p="xs">
                <Text size="xs" c="dimmed" px="xs" pb={4} truncate="start" title={s.info.root}>
                  {s.info.root}
                </Text>
                <ScrollArea.Autosize mah="calc(100vh - 480px)" mih={160}>
                  <TaxonomyTree entries={s.entries} selected={s.file?.path ?? null} changed={changed} onSelect={open} />
                </ScrollArea.Autosize>
              </Paper>
              <TrainingDiff diff={s.diff} onOpen={open} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8, lg: 9 }}>
            {s.file ? (
              <Paper withBorder radius="md" p="md" h="calc(100vh - 250px)" mih={560}>
                <FileEditor />
              </Paper>
            ) : (
              <Paper withBorder radius="md" p="xl">
                <Stack align="center" gap="xs">
                  <IconBinaryTree size={32} color="var(--mantine-color-dimmed)" />
                  <Text fw={600}>Pick a qna.yaml in the tree, or create a new entry</Text>
                  <Text size="sm" c="dimmed">
                    Knowledge teaches facts from your documents; skills teach tasks by example.
                  </Text>
                  <Button mt="xs" leftSection={<IconPlus size={16} />} onClick={() => setWizard(true)}>
                    New entry
                  </Button>
                </Stack>
              </Paper>
            )}
          </Grid.Col>
        </Grid>
      )}
      <NewEntryWizard opened={wizard} onClose={() => setWizard(false)} onCreated={open} defaultAuthor="" />
      <CommitModal opened={commit} onClose={() => setCommit(false)} onDone={() => void refresh().catch(setError)} />
    </>
  );
}
