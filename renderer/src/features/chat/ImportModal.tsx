import { Button, Group, Modal, TextInput } from '@mantine/core';
import { useState } from 'react';
import { messageOf } from '../../components/message-of';
import { useStore } from '../../store';

/** Adds a GGUF file on disk to the library and picks it for the open conversation. */
export function ImportModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const importModel = useStore((s) => s.importChatModel);
  const update = useStore((s) => s.updateConversation);
  return (
    <Modal opened={opened} onClose={onClose} title="Import a GGUF model">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          importModel(path.trim())
            .then(async (m) => {
              await update({ modelId: m.id });
              setPath('');
              onClose();
            })
            .catch((err: unknown) => setError(messageOf(err)))
            .finally(() => setBusy(false));
        }}
      >
        <TextInput
          label="Path of the .gguf file"
          description="The file stays where it is; LabForge reads its header to check it."
          placeholder="/home/me/models/my-model.Q4_K_M.gguf"
          value={path}
          onChange={(e) => setPath(e.currentTarget.value)}
          error={error}
          data-autofocus
        />
        <Group justify="flex-end" mt="md">
          <Button type="submit" loading={busy} disabled={!path.trim()}>
            Import
          </Button>
        </Group>
      </form>
    </Modal>
  );
}
