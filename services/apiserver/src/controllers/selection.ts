/**
 * kube-controller-manager's --controllers syntax for the controllers kapi runs
 * itself: `*` turns on the defaults, `name` turns one on, `-name` off (an off
 * entry wins). Names are kube-controller-manager's where it has the controller.
 */
export const SELECTABLE_CONTROLLERS = [
  'namespace',
  'garbage-collector',
  'serviceaccount',
  'root-ca-certificate-publisher',
  'clusterrole-aggregation',
  'resourcequota',
  'certificatesigningrequest-signing',
] as const;

export type SelectableController = (typeof SELECTABLE_CONTROLLERS)[number];

/** Upstream's refusal for a name it does not know. */
export function checkControllerNames(entries: readonly string[]): string | undefined {
  const known = new Set<string>(SELECTABLE_CONTROLLERS);
  for (const e of entries) {
    const name = e.startsWith('-') ? e.slice(1) : e;
    if (e !== '*' && !known.has(name)) return `"${name}" is not in the list of known controllers`;
  }
  return undefined;
}

export function controllerEnabled(entries: readonly string[], name: SelectableController): boolean {
  if (entries.includes(`-${name}`)) return false;
  return entries.includes(name) || entries.includes('*');
}
