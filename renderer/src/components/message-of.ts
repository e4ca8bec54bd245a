/** The one way an error becomes text in the UI: its message, then its hint (AppError fields survive the wire). */
export const messageOf = (e: unknown): string => {
  const err = e as { message?: string; hint?: string };
  return `${err.message ?? String(e)}${err.hint ? ` ${err.hint}` : ''}`;
};
