// Times for people: "just now", "5 min ago", "3 h ago", then the date and time.
export function when(ms: number, now = Date.now()): string {
  if (!ms) return 'unknown time';
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400 && new Date(ms).getDate() === new Date(now).getDate()) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The full date and time, for a title. */
export const exactly = (ms: number): string => (ms ? new Date(ms).toLocaleString() : '');
