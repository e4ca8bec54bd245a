/** What the bench page's `benchStream` measures; shared by the page and the bench that drives it. */
export interface StreamResult {
  updates: number;
  maxFrameMs: number;
  p99FrameMs: number;
  maxLongTaskMs: number;
  maxLoafMs: number;
  framesOver50: number;
  elapsedMs: number;
}
