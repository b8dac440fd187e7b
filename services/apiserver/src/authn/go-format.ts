/** Go's %q for a string: a double-quoted literal (JSON's escaping is the same for printable text). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %q for a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}
