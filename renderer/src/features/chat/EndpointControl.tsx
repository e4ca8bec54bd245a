import { Badge, Button, Code, Group, NumberInput, Popover, PasswordInput, Stack, Text } from '@mantine/core';
import { IconPlugConnected } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { EndpointStatus } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from './chat-store';

/** Start and stop the OpenAI-compatible endpoint (what `labforge serve-model` runs). */
export function EndpointControl() {
  const [status, setStatus] = useState<EndpointStatus | null>(null);
  const [port, setPort] = useState<number | string>(8000);
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void api.call('endpoint.status', {}).then(setStatus, () => undefined);
    return api.on('endpoint.changed', setStatus);
  }, []);

  const act = async (fn: () => Promise<EndpointStatus>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      setStatus(await fn());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Popover width={340} position="bottom-end" withArrow shadow="md">
      <Popover.Target>
        <Button
          variant="default"
          leftSection={<IconPlugConnected size={16} />}
          rightSection={
            status?.running ? (
              <Badge size="xs" color="teal">
                on
              </Badge>
            ) : null
          }
        >
          OpenAI endpoint
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        {status?.running ? (
          <Stack gap="xs">
            <Text size="sm">
              Serving the library&apos;s models at <Code>{status.url}</Code>
              {status.apiKeyRequired ? ' (API key required)' : ''}.
            </Text>
            <Text size="xs" c="dimmed">
              {status.requests} requests so far. Only this computer can reach it.
            </Text>
            <Button
              color="red"
              variant="light"
              loading={busy}
              onClick={() => void act(() => api.call('endpoint.stop', {}))}
            >
              Stop endpoint
            </Button>
          </Stack>
        ) : (
          <Stack gap="xs">
            <Text size="sm">An OpenAI-compatible API on 127.0.0.1 for other tools (like `ilab model serve`).</Text>
            <Group grow>
              <NumberInput label="Port" min={1} max={65535} value={port} onChange={setPort} />
              <PasswordInput
                label="API key"
                placeholder="optional"
                value={key}
                onChange={(e) => setKey(e.currentTarget.value)}
              />
            </Group>
            {error && (
              <Text size="xs" c="red">
                {error}
              </Text>
            )}
            <Button
              loading={busy}
              onClick={() =>
                void act(() => api.call('endpoint.start', { port: Number(port), apiKey: key || undefined }))
              }
            >
              Start endpoint
            </Button>
          </Stack>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
