import { isPlainObject } from '../../api/object';

/**
 * Renders a metav1.LabelSelector in label-selector syntax ("app=web,tier in (a,b)"),
 * requirements sorted by key and set values sorted, as kubectl shows it.
 * Returns "<invalid>" for a selector that cannot be turned into requirements,
 * and "" for an absent or empty selector.
 */
export function formatLabelSelector(selector: unknown): string {
  if (!isPlainObject(selector)) return '';
  const requirements: Array<{ key: string; text: string }> = [];
  const matchLabels = isPlainObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    requirements.push({ key, text: `${key}=${String(value)}` });
  }
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expr of expressions) {
    const text = formatExpression(expr);
    if (text === undefined) return '<invalid>';
    requirements.push(text);
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return requirements.map((r) => r.text).join(',');
}

function formatExpression(expr: unknown): { key: string; text: string } | undefined {
  if (!isPlainObject(expr) || typeof expr.key !== 'string' || expr.key === '') return undefined;
  const key = expr.key;
  const values = Array.isArray(expr.values) ? expr.values.map(String) : [];
  switch (expr.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const op = expr.operator === 'In' ? 'in' : 'notin';
      return { key, text: `${key} ${op} (${[...values].sort().join(',')})` };
    }
    case 'Exists':
      return values.length === 0 ? { key, text: key } : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? { key, text: `!${key}` } : undefined;
    default:
      return undefined;
  }
}
