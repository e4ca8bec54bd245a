/**
 * Reads pip's (or uv's) line output and turns it into a count of packages handled, so the setup
 * job can show "12 / 60 packages" instead of a silent wait (LAB-REFERENCE §10.3).
 */
export class PipProgress {
  private readonly seen = new Set<string>();
  stage: 'download' | 'install' | 'done' = 'download';

  constructor(readonly total: number) {}

  /** Feeds one output line; returns true when the count or the stage changed. */
  feed(line: string): boolean {
    const m =
      /^(?:Collecting|Processing|Downloading|Obtaining|Using cached|Saved)\s+\S*?([A-Za-z0-9_.-]+?)(?:-\d[^\s/]*)?(?:\.whl|\.tar\.gz)?(?:[=<> (]|$)/.exec(
        line.trim(),
      );
    if (m?.[1]) {
      const name = m[1].toLowerCase().replace(/_/g, '-');
      if (!this.seen.has(name)) {
        this.seen.add(name);
        return true;
      }
      return false;
    }
    if (
      /^Installing collected packages/.test(line.trim()) ||
      /^(Prepared|Installed|Resolved) \d+ packages?/.test(line.trim())
    ) {
      const changed = this.stage !== 'install';
      this.stage = 'install';
      return changed;
    }
    if (/^Successfully installed/.test(line.trim())) {
      this.stage = 'done';
      return true;
    }
    return false;
  }

  get fraction(): number {
    if (this.stage === 'done') return 1;
    const downloaded = Math.min(this.seen.size, this.total) / Math.max(1, this.total);
    return this.stage === 'install' ? 0.85 : downloaded * 0.8;
  }

  get count(): number {
    return this.seen.size;
  }
}

/** The requirement lines of a requirements file (comments, blanks and options left out). */
export function requirementCount(text: string): number {
  return text.split('\n').filter((l) => {
    const t = l.trim();
    return t !== '' && !t.startsWith('#') && !t.startsWith('-');
  }).length;
}
