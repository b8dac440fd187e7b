type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

/** jose (some 80 modules) is loaded at the first token signed or verified, not at start-up. */
export function loadJose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
