import { Alert, Badge, Button, Group, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { IconDeviceFloppy, IconWand } from '@tabler/icons-react';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { kindOf } from '../../../../electron/shared/taxonomy';
import { AddDocumentModal } from './AddDocumentModal';
import { FindingsList } from './FindingsList';
import { LimitCounters } from './LimitCounters';
import { QnaCodeEditor } from './QnaCodeEditor';
import { QnaFormView } from './QnaFormView';
import { UpgradeOffer } from './UpgradeOffer';
import { messageOf } from '../../components/message-of';
import { useStore } from '../../store';

/** The open file: form or YAML view of a qna.yaml (or plain text for attribution.txt and READMEs), problems and counters. */
export function FileEditor() {
  const { file, findings, stats, version, lastFixes, setText, save } = useStore(
    useShallow((s) => ({
      file: s.taxonomyFile,
      findings: s.taxonomyFindings,
      stats: s.taxonomyStats,
      version: s.taxonomyVersion,
      lastFixes: s.taxonomyFixes,
      setText: s.setTaxonomyText,
      save: s.saveTaxonomyFile,
    })),
  );
  const [view, setView] = useState<'form' | 'yaml'>('yaml');
  const [jump, setJump] = useState<{ line: number; column: number; n: number } | null>(null);
  const [docOpen, setDocOpen] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  if (!file) return null;
  const isQna = file.path.endsWith('qna.yaml');
  const kind = kindOf(file.path) === 'knowledge' ? 'knowledge' : 'skill';
  const dirty = file.text !== file.savedText;
  const doSave = (): void => {
    setSaveError(null);
    save().catch((e: unknown) => setSaveError(messageOf(e)));
  };

  return (
    <Stack gap="sm" h="100%">
      <Group justify="space-between" wrap="nowrap" gap="sm">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Text ff="monospace" size="sm" fw={600} truncate="start" title={file.path} style={{ minWidth: 0 }}>
            {file.path}
          </Text>
          {isQna && (
            <Badge variant="light" color={kind === 'knowledge' ? 'indigo' : 'grape'} style={{ flexShrink: 0 }}>
              {kind}
            </Badge>
          )}
          <Badge variant="dot" color={dirty ? 'orange' : 'teal'} style={{ flexShrink: 0 }}>
            {dirty ? 'unsaved' : 'saved'}
          </Badge>
        </Group>
        <Group gap="xs" wrap="nowrap" style={{ flexShrink: 0 }}>
          {isQna && (
            <SegmentedControl
              size="xs"
              value={view}
              onChange={(v) => setView(v as 'form' | 'yaml')}
              data={[
                { value: 'form', label: 'Form' },
                { value: 'yaml', label: 'YAML' },
              ]}
              aria-label="Editor view"
            />
          )}
          <Button
            size="xs"
            leftSection={<IconDeviceFloppy size={14} />}
            onClick={doSave}
            disabled={!dirty}
            title="Save (Ctrl+S)"
            aria-label="Save file"
          >
            Save
          </Button>
        </Group>
      </Group>
      {saveError && (
        <Alert color="red" withCloseButton onClose={() => setSaveError(null)} role="alert">
          {saveError}
        </Alert>
      )}
      {lastFixes.length > 0 && !dirty && (
        <Alert color="teal" icon={<IconWand size={16} />} py={6}>
          Saved with cosmetic fixes upstream would have rejected: {lastFixes.join(', ')}.
        </Alert>
      )}
      {isQna && (
        <UpgradeOffer path={file.path} text={file.text} version={version} findings={findings} onUpgrade={setText} />
      )}
      {isQna && <LimitCounters stats={stats} />}
      <div style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
        {!isQna ? (
          <Textarea
            aria-label={file.path}
            autosize
            minRows={12}
            value={file.text}
            onChange={(e) => setText(e.currentTarget.value)}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
        ) : view === 'yaml' ? (
          <QnaCodeEditor
            key={file.path}
            text={file.text}
            findings={findings}
            kind={kind}
            onChange={setText}
            onSave={doSave}
            jumpTo={jump}
          />
        ) : (
          <QnaFormView
            text={file.text}
            kind={kind}
            stats={stats}
            onChange={setText}
            onAddDocument={kind === 'knowledge' ? () => setDocOpen(true) : undefined}
          />
        )}
      </div>
      {isQna && (
        <FindingsList
          findings={findings}
          onJump={(f) => {
            setView('yaml');
            setJump({ line: f.line, column: f.column, n: Date.now() });
          }}
        />
      )}
      <AddDocumentModal
        opened={docOpen}
        entry={file.path}
        onClose={() => setDocOpen(false)}
        onAdded={() => void useStore.getState().selectTaxonomyFile(file.path)}
      />
    </Stack>
  );
}
