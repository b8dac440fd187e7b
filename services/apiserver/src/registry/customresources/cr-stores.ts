import type { JsonObject, KubeObject } from '../../api/object';
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import type { ExtensibleSchemaSet } from '../../schema/extensible';
import { deepFreeze } from '../../storage/deep-freeze';
import { convertingStorage, type VersionConversion } from '../../storage/converting-storage';
import { GenericStore } from '../generic-store';
import { ALL_VERBS, type StoreDeps } from '../kind';
import type { ResourceInfo, SubresourceInfo } from '../resources';
import type { StoreTable } from '../store-table';
import { customResourceApplyMessages } from './cr-apply-message';
import { applySchemaDefaults, schemaHasDefaults } from './cr-schema-prune';
import { customResourceListMessage, customResourceMessage } from './cr-message';
import { customResourceStrategy } from './cr-strategy';
import { customResourceTable } from './cr-table';
import { webhookConverter, type ObjectsConverter } from './cr-webhook-converter';

let nextMessageId = 0;

/** `.spec.replicas` → `spec.replicas`: the scale paths are simple JSONPaths. */
function dotted(path: string | undefined): string {
  return (path ?? '').replace(/^\./, '');
}

function subresourcesOf(v: CustomResourceDefinitionVersion, kind: string): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (v.subresources?.scale) {
    out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  }
  if (v.subresources?.status) out.push({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
  return out;
}

/** The discovery and routing facts of one served version, from the definition's accepted names. */
export function customResourceInfo(
  crd: CustomResourceDefinition,
  v: CustomResourceDefinitionVersion,
  messageType: string,
): ResourceInfo {
  const spec = crd.spec ?? {};
  const names = crd.status?.acceptedNames ?? spec.names ?? {};
  const kind = names.kind ?? '';
  const storage = (spec.versions ?? []).find((x) => x.storage)?.name;
  const scale = v.subresources?.scale;
  const info: ResourceInfo = {
    group: spec.group ?? '',
    version: v.name ?? '',
    resource: names.plural ?? spec.names?.plural ?? '',
    kind,
    listKind: names.listKind ?? `${kind}List`,
    singularName: names.singular ?? kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ALL_VERBS,
    messageType,
    subresources: subresourcesOf(v, kind),
    custom: true,
  };
  if (storage && storage !== v.name) info.storageVersion = storage;
  if (v.deprecated) {
    info.deprecationWarning = v.deprecationWarning ?? `${spec.group}/${v.name} ${kind} is deprecated`;
  }
  if (scale) {
    info.scalePaths = {
      specReplicas: dotted(scale.specReplicasPath),
      statusReplicas: dotted(scale.statusReplicasPath),
      selector: dotted(scale.labelSelectorPath),
    };
  }
  return info;
}

/**
 * Objects are stored at the storage version and served at each version. With None
 * conversion only apiVersion changes; with a webhook the objects not yet at the wanted
 * version go to it (the retagging pair then only serves selectors).
 */
export function versionConversion(
  group: string,
  served: string,
  stored: string,
  schema: JSONSchemaProps | undefined,
  webhook: ObjectsConverter | undefined,
): VersionConversion {
  // an object already at the version is served as it is: its cached encodings stay with it
  const retag = (obj: KubeObject, version: string): KubeObject => {
    const apiVersion = `${group}/${version}`;
    return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
  };
  // upstream defaults what it reads from storage too: objects stored before a default was added get it
  const withDefaults = schemaHasDefaults(schema)
    ? (obj: KubeObject): KubeObject => {
        const copy = JSON.parse(JSON.stringify(obj)) as KubeObject;
        applySchemaDefaults(copy, schema);
        return copy;
      }
    : (obj: KubeObject): KubeObject => obj;
  const convert = (o: KubeObject): KubeObject => retag(withDefaults(o), served);
  // A frozen object is the watch cache's shared instance: every list, get and watcher of
  // this version then shares one converted copy, and with it that copy's encodings.
  const converted = new WeakMap<KubeObject, KubeObject>();
  const conv: VersionConversion = {
    toStored: (o: KubeObject) => ({ ...o, apiVersion: `${group}/${stored}` }),
    toServed: (o: KubeObject) => {
      if (!Object.isFrozen(o)) return convert(o);
      let out = converted.get(o);
      if (!out) {
        out = convert(o);
        if (out !== o) converted.set(o, deepFreeze(out));
      }
      return out;
    },
  };
  if (webhook) {
    conv.toStoredMany = (objs) => webhook(objs, `${group}/${stored}`);
    // upstream defaults after converting what it read
    conv.toServedMany = async (objs) => (await webhook(objs, `${group}/${served}`)).map(withDefaults);
  }
  return conv;
}

/** The stores of a definition's served versions; their messages are added to schemas. */
export function customResourceStores(
  crd: CustomResourceDefinition,
  deps: StoreDeps,
  schemas: ExtensibleSchemaSet,
  table?: StoreTable,
): GenericStore[] {
  const spec = crd.spec ?? {};
  const group = spec.group ?? '';
  const plural = spec.names?.plural ?? '';
  const storage = (spec.versions ?? []).find((x) => x.storage)?.name ?? '';
  const namespaced = spec.scope === 'Namespaced';
  const terminating = crd.metadata?.deletionTimestamp !== undefined;
  const stores: GenericStore[] = [];
  const hook = spec.conversion?.strategy === 'Webhook' ? spec.conversion.webhook : undefined;
  const webhook = hook ? webhookConverter({ webhook: hook, table }) : undefined;
  for (const v of spec.versions ?? []) {
    if (!v.served) continue;
    const message = customResourceMessage(
      crd.status?.acceptedNames?.kind ?? spec.names?.kind ?? '',
      nextMessageId++,
      v.schema?.openAPIV3Schema,
    );
    schemas.add(message);
    const info = customResourceInfo(crd, v, message.fullName);
    const list = customResourceListMessage(message, info.listKind);
    schemas.add(list);
    info.listMessageType = list.fullName;
    const applyMessages = customResourceApplyMessages(`${message.fullName}Fields`, v.schema?.openAPIV3Schema);
    for (const m of applyMessages) schemas.add(m);
    info.fieldsMessageType = `${message.fullName}Fields`;
    if (v.schema?.openAPIV3Schema) info.openApiSchema = v.schema.openAPIV3Schema as JsonObject;
    const strategy = customResourceStrategy({
      namespaced,
      hasStatus: !!v.subresources?.status,
      terminating,
      schema: v.schema?.openAPIV3Schema,
      selectableFields: (v.selectableFields ?? []).map((f) => f.jsonPath ?? ''),
    });
    const conversion = versionConversion(group, v.name ?? '', storage, v.schema?.openAPIV3Schema, webhook);
    const store = new GenericStore(info, strategy, {
      ...deps,
      namespaceGate: namespaced ? deps.namespaceGate : undefined,
      keyRoot: `${group}/${plural}`,
      storage: convertingStorage(deps.storage, conversion),
    });
    store.tableConverter = customResourceTable(v.additionalPrinterColumns);
    deps.watchCache?.forResource(store.listPrefix(''));
    store.enableFieldManagement(schemas);
    stores.push(store);
  }
  return stores;
}
