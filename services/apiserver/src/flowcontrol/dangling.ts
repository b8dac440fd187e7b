import type { KubeObject } from '../api/object';
import type { FlowSchema, FlowSchemaCondition } from '../generated/k8s.io.api.flowcontrol.v1';
import type { GenericStore } from '../registry/generic-store';
import { timeNow } from '../api/time';

/** Upstream's config consumer writes the status as this manager. */
export const APF_STATUS_MANAGER = 'api-priority-and-fairness-config-consumer-v1';

/** The Dangling condition upstream's controller keeps on every FlowSchema. */
export function danglingCondition(fs: FlowSchema, levelNames: ReadonlySet<string>): FlowSchemaCondition {
  const name = fs.spec?.priorityLevelConfiguration?.name ?? '';
  const found = levelNames.has(name);
  return {
    type: 'Dangling',
    status: found ? 'False' : 'True',
    reason: found ? 'Found' : 'NotFound',
    message: found
      ? `This FlowSchema references the PriorityLevelConfiguration object named "${name}" and it exists`
      : `This FlowSchema references the PriorityLevelConfiguration object named "${name}" but there is no such object`,
  };
}

function sameCondition(a: FlowSchemaCondition | undefined, b: FlowSchemaCondition): boolean {
  return !!a && a.status === b.status && a.reason === b.reason && a.message === b.message;
}

/** Sets the Dangling condition of every FlowSchema whose condition is missing or out of date. */
export async function updateDanglingConditions(levels: GenericStore, schemas: GenericStore): Promise<void> {
  const levelList = await levels.list('', {});
  const names = new Set(((levelList.items as KubeObject[]) ?? []).map((o) => o.metadata?.name ?? ''));
  const schemaList = await schemas.list('', {});
  for (const obj of (schemaList.items as FlowSchema[]) ?? []) {
    const wanted = danglingCondition(obj, names);
    const current = obj.status?.conditions?.find((c) => c.type === 'Dangling');
    if (sameCondition(current, wanted)) continue;
    await schemas.updateWith(
      '',
      obj.metadata?.name ?? '',
      (latest) => {
        const fs = latest as FlowSchema;
        const others = (fs.status?.conditions ?? []).filter((c) => c.type !== 'Dangling');
        return {
          ...latest,
          status: { ...fs.status, conditions: [...others, { ...wanted, lastTransitionTime: timeNow() }] },
        } as KubeObject;
      },
      { statusOnly: true, manager: APF_STATUS_MANAGER },
    );
  }
}
