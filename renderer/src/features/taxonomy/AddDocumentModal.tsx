import { Button, FileInput, Group, Modal, Stack, Text } from '@mantine/core';
import { IconFileText } from '@tabler/icons-react';
import { useState } from 'react';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';

/** Adds a Markdown or text file to the documents repo and fills the entry's `document:` block. */
export function AddDocumentModal({
  opened,
  entry,
  onClose,
  onAdded,
}: {
  opened: boolean;
  entry: string;
  onClose(): void;
  onAdded(text: string, etag: string): void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async (): Promise<void> => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('taxonomy.addDocument', { entry, fileName: file.name, content: await file.text() });
      onAdded(r.qna.text, r.qna.etag);
      onClose();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Add a knowledge document">
      <Stack>
        <Text size="sm" c="dimmed">
          The file is kept in LabForge’s documents repository (git) and the qna.yaml’s document block (repo, commit,
          patterns) is filled in for you. Text files are stored as Markdown, which InstructLab reads.
        </Text>
        <FileInput
          label="Markdown or text file"
          accept=".md,.markdown,.txt,text/plain,text/markdown"
          leftSection={<IconFileText size={16} />}
          value={file}
          onChange={setFile}
          clearable
        />
        {error && (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void add()} disabled={!file} loading={busy}>
            Add document
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
