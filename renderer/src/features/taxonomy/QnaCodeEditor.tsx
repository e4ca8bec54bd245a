import { autocompletion } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView, keymap } from '@codemirror/view';
import { useComputedColorScheme } from '@mantine/core';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import type { FindingInfo } from '../../../../electron/shared/contract';
import { qnaCompletion } from './yaml-completion';

interface Props {
  text: string;
  findings: FindingInfo[];
  kind: 'knowledge' | 'skill';
  onChange(text: string): void;
  onSave(): void;
  /** Set by the findings list to move the cursor to a finding. */
  jumpTo: { line: number; column: number; n: number } | null;
}

const toDiagnostics = (state: EditorState, findings: FindingInfo[]): Diagnostic[] =>
  findings.map((f) => {
    const len = state.doc.length;
    const line = state.doc.line(Math.min(Math.max(1, f.line), state.doc.lines));
    const from = Math.min(f.from ?? line.from + Math.max(0, f.column - 1), len);
    const to = Math.min(Math.max(from, f.to ?? from), len);
    const end = to > from ? to : Math.max(from, Math.min(line.to, from + 1));
    return { from, to: end, severity: f.severity, message: f.message, source: f.rule };
  });

/** One Dark in dark mode (transparent so the Mantine surface shows through), CodeMirror's default look in light mode. */
const schemeTheme = (dark: boolean) =>
  dark
    ? [
        oneDark,
        EditorView.theme(
          { '&': { backgroundColor: 'transparent' }, '.cm-gutters': { backgroundColor: 'transparent' } },
          { dark: true },
        ),
      ]
    : [];

/** CodeMirror 6 with YAML highlighting, the shared validator's findings as lint markers, and schema completion. */
export function QnaCodeEditor({ text, findings, kind, onChange, onSave, jumpTo }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const handlers = useRef({ onChange, onSave });
  // The computed scheme resolves "auto" to what the OS asks for, so the editor matches the rest of the app.
  const dark = useComputedColorScheme('light') === 'dark';
  const theme = useRef(new Compartment());
  useEffect(() => {
    handlers.current = { onChange, onSave };
  });

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: text,
        extensions: [
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (handlers.current.onSave(), true) }]),
          basicSetup,
          yaml(),
          lintGutter(),
          autocompletion({ override: [qnaCompletion(kind)] }),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': 'qna.yaml source' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) handlers.current.onChange(u.state.doc.toString());
          }),
          EditorView.theme({
            '&': { height: '100%', fontSize: '13px' },
            '.cm-scroller': { fontFamily: 'var(--mantine-font-family-monospace)' },
          }),
          theme.current.of(schemeTheme(dark)),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor is created once per file; later text changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind]);

  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(schemeTheme(dark)) });
  }, [dark]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== text)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
  }, [text]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, toDiagnostics(v.state, findings)));
  }, [findings, text]);

  useEffect(() => {
    const v = view.current;
    if (!v || !jumpTo) return;
    const line = v.state.doc.line(Math.min(Math.max(1, jumpTo.line), v.state.doc.lines));
    const pos = Math.min(line.from + jumpTo.column - 1, line.to);
    v.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
    v.focus();
  }, [jumpTo]);

  return (
    <div
      ref={host}
      style={{
        height: '100%',
        minHeight: 360,
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 'var(--mantine-radius-md)',
        overflow: 'hidden',
        background: dark ? 'var(--mantine-color-dark-7)' : 'white',
      }}
    />
  );
}
