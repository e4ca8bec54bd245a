import type { ConversationInfo, MessageInfo } from '../../shared/contract/index.js';

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'conversation';

/** The branch on screen as Markdown: what a person pastes into a document or an issue. */
export function conversationToMarkdown(
  conv: ConversationInfo,
  branch: MessageInfo[],
  modelName: (id: string | null) => string,
): string {
  const lines = [
    `# ${conv.title || 'Conversation'}`,
    '',
    `_Exported from LabForge on ${new Date().toISOString().slice(0, 10)}_`,
    '',
  ];
  if (conv.systemPrompt.trim())
    lines.push(`> **System prompt:** ${conv.systemPrompt.trim().replace(/\n/g, '\n> ')}`, '');
  for (const m of branch) {
    if (m.role === 'user') lines.push('## You', '', m.content, '');
    else {
      const s = m.stats;
      const facts = [
        modelName(m.modelId),
        s ? `${s.tokens} tokens, ${s.tokensPerSec} tok/s` : null,
        m.state !== 'complete' ? m.state : null,
      ];
      lines.push(`## Assistant (${facts.filter(Boolean).join(' · ')})`, '', m.content || '_(no answer)_', '');
      if (m.error) lines.push(`> **Error:** ${m.error.message}`, '');
    }
  }
  return lines.join('\n');
}

export function exportConversation(
  conv: ConversationInfo,
  all: MessageInfo[],
  branch: MessageInfo[],
  format: 'markdown' | 'json',
  modelName: (id: string | null) => string,
): { filename: string; mimeType: string; content: string } {
  const base = slug(conv.title);
  if (format === 'markdown')
    return {
      filename: `${base}.md`,
      mimeType: 'text/markdown',
      content: conversationToMarkdown(conv, branch, modelName),
    };
  const content = JSON.stringify(
    { format: 'labforge-conversation', version: 1, conversation: conv, branch: branch.map((m) => m.id), messages: all },
    null,
    2,
  );
  return { filename: `${base}.json`, mimeType: 'application/json', content };
}
