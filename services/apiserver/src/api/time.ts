/** metav1.Time's JSON form: RFC 3339 in UTC, whole seconds. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function timeNow(): string {
  return formatTime(new Date());
}
