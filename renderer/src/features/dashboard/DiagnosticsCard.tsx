import { Alert, Button, Code, Group, Paper, Text, Title } from '@mantine/core';
import { IconFileZip } from '@tabler/icons-react';
import { useState } from 'react';
import type { DiagnosticsResult } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';

const sizeOf = (bytes: number): string =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Writes the diagnostics bundle for a bug report (`diagnostics.create`): a zip in the data folder
 * with logs, the hardware report, settings and versions, secrets and taxonomy content left out.
 * In the browser UI the zip stays on the machine that runs LabForge; the path says where.
 */
export function DiagnosticsCard() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DiagnosticsResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const create = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.call('diagnostics.create', {}));
    } catch (err) {
      setResult(null);
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="diagnostics-title">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <div>
          <Title order={2} size="h4" id="diagnostics-title">
            Diagnostics
          </Title>
          <Text size="xs" c="dimmed" maw={640}>
            A zip for a bug report: job logs, the hardware report, settings and versions. Tokens, API keys and your
            taxonomy content are left out; MANIFEST.json inside lists what it holds and what was redacted.
          </Text>
        </div>
        <Button leftSection={<IconFileZip size={16} />} variant="default" loading={busy} onClick={() => void create()}>
          Diagnostics bundle
        </Button>
      </Group>
      {result && (
        <Alert color="teal" variant="light" mt="md" title="Diagnostics bundle written" role="status">
          <Code block aria-label="Bundle path" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {result.path}
          </Code>
          <Text size="sm" mt={6}>
            {sizeOf(result.bytes)}, {result.files.length} files, {result.redacted} values redacted.
          </Text>
        </Alert>
      )}
      {error && <Alert color="red" variant="light" mt="md" title={error} role="alert" />}
    </Paper>
  );
}
