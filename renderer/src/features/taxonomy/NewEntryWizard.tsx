import { Button, Group, Modal, SegmentedControl, Stack, Stepper, Text, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { formatAttribution, newQnaText } from '../../../../electron/shared/taxonomy';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';

interface Props {
  opened: boolean;
  onClose(): void;
  onCreated(qnaPath: string): void;
  defaultAuthor: string;
}

const slug = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .split('/')
    .map((p) =>
      p
        .trim()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, ''),
    )
    .filter(Boolean)
    .join('/');

/** New knowledge entry or skill: where it goes, who wrote it, what it is about; the seeds are filled in the editor. */
export function NewEntryWizard({ opened, onClose, onCreated, defaultAuthor }: Props) {
  const [step, setStep] = useState(0);
  const [kind, setKind] = useState<'knowledge' | 'skill'>('knowledge');
  const [where, setWhere] = useState('');
  const [author, setAuthor] = useState(defaultAuthor);
  const [topic, setTopic] = useState('');
  const [source, setSource] = useState({ title: '', link: '', license: '' });
  const [error, setError] = useState<string | null>(null);
  const top = kind === 'knowledge' ? 'knowledge' : 'compositional_skills';
  const folder = `${top}/${slug(where)}`;

  const create = async (): Promise<void> => {
    setError(null);
    try {
      const qna = newQnaText(
        kind === 'knowledge'
          ? { kind, created_by: author, domain: topic }
          : { kind, created_by: author, task_description: topic },
      );
      const attribution = formatAttribution({
        title: source.title,
        link: source.link,
        revision: '',
        license: source.license,
        creators: author,
      });
      const r = await api.call('taxonomy.createEntry', { path: folder, qna, attribution });
      onCreated(r.qnaPath);
      setStep(0);
      setWhere('');
      setTopic('');
      onClose();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="New taxonomy entry" size="lg">
      <Stepper active={step} onStepClick={setStep} size="sm" mb="md">
        <Stepper.Step label="What" description="Knowledge or skill">
          <Stack>
            <SegmentedControl
              fullWidth
              value={kind}
              onChange={(v) => setKind(v as 'knowledge' | 'skill')}
              data={[
                { value: 'knowledge', label: 'Knowledge (facts from a document)' },
                { value: 'skill', label: 'Skill (a task to perform)' },
              ]}
            />
            <Text size="sm" c="dimmed">
              {kind === 'knowledge'
                ? 'Knowledge teaches facts from your Markdown or text document: 5 excerpts, each with 3 questions and answers.'
                : 'A compositional skill teaches a task by example: 5 questions with the answers you want.'}
            </Text>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Where" description="Folder in the tree">
          <TextInput
            label="Folder"
            description={`Under ${top}/, use / for levels, e.g. ${kind === 'knowledge' ? 'science/astronomy/phoenix' : 'writing/poetry/haiku'}`}
            value={where}
            onChange={(e) => setWhere(e.currentTarget.value)}
            data-autofocus
          />
          <Text size="xs" c="dimmed" mt="xs" ff="monospace">
            {folder}/qna.yaml
          </Text>
        </Stepper.Step>
        <Stepper.Step label="Details" description="Author and topic">
          <Stack gap="sm">
            <TextInput label="Created by" value={author} onChange={(e) => setAuthor(e.currentTarget.value)} />
            {kind === 'knowledge' ? (
              <TextInput
                label="Domain"
                description="The subject, e.g. astronomy"
                value={topic}
                onChange={(e) => setTopic(e.currentTarget.value)}
              />
            ) : (
              <Textarea label="Task description" value={topic} onChange={(e) => setTopic(e.currentTarget.value)} />
            )}
            <Text size="sm" fw={600} mt="xs">
              Attribution (attribution.txt)
            </Text>
            <Group grow>
              <TextInput
                label="Title of the work"
                value={source.title}
                onChange={(e) => setSource({ ...source, title: e.currentTarget.value })}
              />
              <TextInput
                label="License (SPDX)"
                placeholder="CC-BY-4.0"
                value={source.license}
                onChange={(e) => setSource({ ...source, license: e.currentTarget.value })}
              />
            </Group>
            <TextInput
              label="Link to the work"
              value={source.link}
              onChange={(e) => setSource({ ...source, link: e.currentTarget.value })}
            />
          </Stack>
        </Stepper.Step>
      </Stepper>
      {error && (
        <Text c="red" size="sm" mb="sm" role="alert">
          {error}
        </Text>
      )}
      <Group justify="space-between">
        <Button variant="default" onClick={() => (step === 0 ? onClose() : setStep(step - 1))}>
          {step === 0 ? 'Cancel' : 'Back'}
        </Button>
        {step < 2 ? (
          <Button onClick={() => setStep(step + 1)} disabled={step === 1 && slug(where) === ''}>
            Next
          </Button>
        ) : (
          <Button onClick={() => void create()} disabled={author.trim() === '' || slug(where) === ''}>
            Create entry
          </Button>
        )}
      </Group>
    </Modal>
  );
}
