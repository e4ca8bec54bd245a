type Count = (text: string) => Promise<number>;

async function pieces(text: string, max: number, count: Count): Promise<Array<{ text: string; tokens: number }>> {
  const out: Array<{ text: string; tokens: number }> = [];
  for (const para of text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const t = await count(para);
    if (t <= max) {
      out.push({ text: para, tokens: t });
      continue;
    }
    for (const sentence of para.split(/(?<=[.!?])\s+/).filter(Boolean)) {
      const st = await count(sentence);
      if (st <= max) {
        out.push({ text: sentence, tokens: st });
        continue;
      }
      // One very long "sentence" (a table, a list without stops): cut it by words.
      const words = sentence.split(/\s+/);
      const per = Math.max(1, Math.floor((words.length * max) / st));
      for (let i = 0; i < words.length; i += per) {
        const w = words.slice(i, i + per).join(' ');
        out.push({ text: w, tokens: await count(w) });
      }
    }
  }
  return out;
}

/**
 * Splits a document into chunks of at most ~`maxTokens` tokens under the teacher's tokenizer,
 * on paragraph, then sentence, then word boundaries (upstream: 500-token chunks).
 */
export async function chunkText(text: string, maxTokens: number, count: Count): Promise<string[]> {
  const chunks: string[] = [];
  let cur: string[] = [];
  let curTokens = 0;
  for (const p of await pieces(text, maxTokens, count)) {
    if (cur.length > 0 && curTokens + p.tokens > maxTokens) {
      chunks.push(cur.join('\n\n'));
      cur = [];
      curTokens = 0;
    }
    cur.push(p.text);
    curTokens += p.tokens;
  }
  if (cur.length > 0) chunks.push(cur.join('\n\n'));
  return chunks;
}
