import { Button, Grid, Paper, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { IconFolderOpen, IconSparkles } from '@tabler/icons-react';
import { useState } from 'react';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';

/** No taxonomy yet: create one from the template, or open an existing clone. */
export function OpenTaxonomy({ onReady }: { onReady(): void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'create' | 'open' | null>(null);
  const run = async (what: 'create' | 'open'): Promise<void> => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'create') await api.call('taxonomy.create', {});
      else await api.call('taxonomy.open', { path: path.trim() });
      onReady();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Paper withBorder radius="md" p="xl" h="100%">
          <Stack>
            <ThemeIcon size={42} radius="md" variant="light">
              <IconSparkles />
            </ThemeIcon>
            <Title order={2} size="h3">
              Start a new taxonomy
            </Title>
            <Text size="sm" c="dimmed">
              Creates a git repository in LabForge’s data folder with knowledge/, compositional_skills/ and
              foundational_skills/, each with a short README.
            </Text>
            <Button onClick={() => void run('create')} loading={busy === 'create'} style={{ alignSelf: 'flex-start' }}>
              Create new taxonomy
            </Button>
          </Stack>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Paper withBorder radius="md" p="xl" h="100%">
          <Stack>
            <ThemeIcon size={42} radius="md" variant="light" color="gray">
              <IconFolderOpen />
            </ThemeIcon>
            <Title order={2} size="h3">
              Open an existing clone
            </Title>
            <TextInput
              label="Folder"
              description="A git clone of a taxonomy, e.g. ~/instructlab/taxonomy"
              placeholder="/home/me/taxonomy"
              value={path}
              onChange={(e) => setPath(e.currentTarget.value)}
            />
            <Button
              variant="default"
              onClick={() => void run('open')}
              disabled={!path.trim()}
              loading={busy === 'open'}
              style={{ alignSelf: 'flex-start' }}
            >
              Open
            </Button>
          </Stack>
        </Paper>
      </Grid.Col>
      {error && (
        <Grid.Col span={12}>
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        </Grid.Col>
      )}
    </Grid>
  );
}
