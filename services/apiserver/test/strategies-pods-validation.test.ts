import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { KindStrategy } from '../src/registry/strategies/common';
import { BUILTIN_KINDS } from '../src/registry/kinds';
import { validateContainerSecurityContext } from '../src/registry/strategies/pod-security-context-validation';
import { validateEphemeralContainersWrite } from '../src/registry/strategies/pods';

// Pod validation of 1.32 beyond containers and volumes: security contexts,
// affinity, topology spread, pod annotations and container status transitions.
// One bad field per case; the field path, error type and message are upstream's.

type Json = Record<string, unknown>;

function strategyOf(group: string, resource: string): KindStrategy {
  const def = BUILTIN_KINDS.find((k) => k.info.group === group && k.info.resource === resource);
  assert.ok(def, `${group}/${resource} is served`);
  return def.strategy;
}

const pods = strategyOf('', 'pods');
const deployments = strategyOf('apps', 'deployments');

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function newPod(spec: Json = {}, meta: Json = {}): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'default', labels: { app: 'a', tier: 'web' }, ...meta },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
  };
}

function created(obj: KubeObject, s: KindStrategy = pods): KubeObject {
  s.applyDefaults?.(obj);
  s.prepareForCreate?.(obj);
  return obj;
}

const show = (errs: FieldError[]): string[] => errs.map((e) => `${e.type} ${e.field}: ${e.message}`);

function createErrors(spec: Json, meta: Json = {}): string[] {
  const p = created(newPod(spec, meta));
  return show(pods.validate(p));
}

const withContainerSC = (sc: Json): Json => ({ containers: [{ name: 'c', image: 'nginx', securityContext: sc }] });

interface Case {
  name: string;
  spec?: Json;
  meta?: Json;
  want: string[];
}

const RANGE = 'must be between 0 and 2147483647, inclusive';
const SYSCTL_RE = '^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';

const SECURITY_CASES: Case[] = [
  {
    name: 'pod runAsUser below 0',
    spec: { securityContext: { runAsUser: -1 } },
    want: [`FieldValueInvalid spec.securityContext.runAsUser: Invalid value: -1: ${RANGE}`],
  },
  {
    name: 'pod runAsGroup above MaxInt32',
    spec: { securityContext: { runAsGroup: 2147483648 } },
    want: [`FieldValueInvalid spec.securityContext.runAsGroup: Invalid value: 2147483648: ${RANGE}`],
  },
  {
    name: 'pod fsGroup below 0',
    spec: { securityContext: { fsGroup: -5 } },
    want: [`FieldValueInvalid spec.securityContext.fsGroup: Invalid value: -5: ${RANGE}`],
  },
  {
    name: 'supplemental group out of range',
    spec: { securityContext: { supplementalGroups: [1, -2] } },
    want: [`FieldValueInvalid spec.securityContext.supplementalGroups[1]: Invalid value: -2: ${RANGE}`],
  },
  {
    name: 'sysctl name empty',
    spec: { securityContext: { sysctls: [{ name: '', value: '1' }] } },
    want: ['FieldValueRequired spec.securityContext.sysctls[0].name: Required value'],
  },
  {
    name: 'sysctl name malformed',
    spec: { securityContext: { sysctls: [{ name: 'Kernel.Foo', value: '1' }] } },
    want: [
      'FieldValueInvalid spec.securityContext.sysctls[0].name: Invalid value: "Kernel.Foo": ' +
        `must have at most 253 characters and match regex ${SYSCTL_RE}`,
    ],
  },
  {
    name: 'sysctl repeated',
    spec: {
      securityContext: {
        sysctls: [
          { name: 'kernel.msgmax', value: '1' },
          { name: 'kernel.msgmax', value: '2' },
        ],
      },
    },
    want: ['FieldValueDuplicate spec.securityContext.sysctls[1].name: Duplicate value: "kernel.msgmax"'],
  },
  {
    name: 'net sysctl on the host network',
    spec: { hostNetwork: true, securityContext: { sysctls: [{ name: 'net.ipv4.ip_forward', value: '1' }] } },
    want: [
      'FieldValueInvalid spec.securityContext.sysctls[0].name: Invalid value: "net.ipv4.ip_forward": ' +
        "may not be specified when 'hostNetwork' is true",
    ],
  },
  {
    name: 'ipc sysctl (slash form) in the host IPC namespace',
    spec: { hostIPC: true, securityContext: { sysctls: [{ name: 'kernel/shmmax', value: '1' }] } },
    want: [
      'FieldValueInvalid spec.securityContext.sysctls[0].name: Invalid value: "kernel/shmmax": ' +
        "may not be specified when 'hostIPC' is true",
    ],
  },
  {
    name: 'fsGroupChangePolicy unknown',
    spec: { securityContext: { fsGroupChangePolicy: 'Sometimes' } },
    want: [
      'FieldValueNotSupported spec.securityContext.fsGroupChangePolicy: Unsupported value: "Sometimes": ' +
        'supported values: "Always", "OnRootMismatch"',
    ],
  },
  {
    name: 'shareProcessNamespace with hostPID',
    spec: { hostPID: true, shareProcessNamespace: true },
    want: [
      'FieldValueInvalid spec.securityContext.shareProcessNamespace: Invalid value: true: ' +
        'ShareProcessNamespace and HostPID cannot both be enabled',
    ],
  },
  {
    name: 'seccomp type missing',
    spec: { securityContext: { seccompProfile: {} } },
    want: [
      'FieldValueRequired spec.securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set',
    ],
  },
  {
    name: 'seccomp type unknown',
    spec: { securityContext: { seccompProfile: { type: 'Strict' } } },
    want: [
      'FieldValueNotSupported spec.securityContext.seccompProfile.type: Unsupported value: "Strict": ' +
        'supported values: "Localhost", "RuntimeDefault", "Unconfined"',
    ],
  },
  {
    name: 'seccomp Localhost without a profile',
    spec: { securityContext: { seccompProfile: { type: 'Localhost' } } },
    want: [
      'FieldValueRequired spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost',
    ],
  },
  {
    name: 'seccomp localhost profile escaping its directory',
    spec: { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: '../etc/p.json' } } },
    want: [
      `FieldValueInvalid spec.securityContext.seccompProfile.localhostProfile: Invalid value: "../etc/p.json": must not contain '..'`,
    ],
  },
  {
    name: 'seccomp localhost profile absolute',
    spec: { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: '/p.json' } } },
    want: [
      'FieldValueInvalid spec.securityContext.seccompProfile.localhostProfile: Invalid value: "/p.json": must be a relative path',
    ],
  },
  {
    name: 'AppArmor Localhost profile padded',
    spec: { securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: ' p ' } } },
    want: [
      'FieldValueInvalid spec.securityContext.appArmorProfile.localhostProfile: Invalid value: " p ": must not be padded with whitespace',
    ],
  },
  {
    name: 'AppArmor profile with RuntimeDefault',
    spec: { securityContext: { appArmorProfile: { type: 'RuntimeDefault', localhostProfile: 'p' } } },
    want: [
      'FieldValueInvalid spec.securityContext.appArmorProfile.localhostProfile: Invalid value: "p": can only be set when AppArmor type is Localhost',
    ],
  },
  {
    name: 'AppArmor type unknown',
    spec: { securityContext: { appArmorProfile: { type: 'Complain' } } },
    want: [
      'FieldValueNotSupported spec.securityContext.appArmorProfile.type: Unsupported value: "Complain": ' +
        'supported values: "Localhost", "RuntimeDefault", "Unconfined"',
    ],
  },
  {
    name: 'windows runAsUserName with two backslashes',
    spec: { securityContext: { windowsOptions: { runAsUserName: 'a\\b\\c' } } },
    want: [
      'FieldValueInvalid spec.securityContext.windowsOptions.runAsUserName: Invalid value: "a\\\\b\\\\c": ' +
        'runAsUserName cannot contain more than one backslash',
    ],
  },
  {
    name: 'windows gmsaCredentialSpec empty',
    spec: { securityContext: { windowsOptions: { gmsaCredentialSpec: '' } } },
    want: [
      'FieldValueInvalid spec.securityContext.windowsOptions.gmsaCredentialSpec: Invalid value: "": gmsaCredentialSpec cannot be an empty string',
    ],
  },
  {
    name: 'privileged with allowPrivilegeEscalation false',
    spec: withContainerSC({ privileged: true, allowPrivilegeEscalation: false }),
    want: [
      'FieldValueInvalid spec.containers[0].securityContext: Invalid value: {"privileged":true,"allowPrivilegeEscalation":false}: ' +
        'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
    ],
  },
  {
    name: 'CAP_SYS_ADMIN with allowPrivilegeEscalation false',
    spec: withContainerSC({ allowPrivilegeEscalation: false, capabilities: { add: ['CAP_SYS_ADMIN'] } }),
    want: [
      'FieldValueInvalid spec.containers[0].securityContext: Invalid value: ' +
        '{"allowPrivilegeEscalation":false,"capabilities":{"add":["CAP_SYS_ADMIN"]}}: ' +
        'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
    ],
  },
  {
    name: 'container runAsUser below 0',
    spec: withContainerSC({ runAsUser: -1 }),
    want: [`FieldValueInvalid spec.containers[0].securityContext.runAsUser: Invalid value: -1: ${RANGE}`],
  },
  {
    name: 'init container seccomp type unknown',
    spec: {
      initContainers: [{ name: 'i', image: 'busybox', securityContext: { seccompProfile: { type: 'x' } } }],
    },
    want: [
      'FieldValueNotSupported spec.initContainers[0].securityContext.seccompProfile.type: Unsupported value: "x": ' +
        'supported values: "Localhost", "RuntimeDefault", "Unconfined"',
    ],
  },
  {
    name: 'os name unknown',
    spec: { os: { name: 'plan9' } },
    want: ['FieldValueNotSupported spec.os: Unsupported value: "plan9": supported values: "linux", "windows"'],
  },
  {
    name: 'os name empty',
    spec: { os: { name: '' } },
    want: ['FieldValueRequired spec.os.name: Required value: cannot be empty'],
  },
  {
    name: 'windows options on a linux pod',
    spec: { os: { name: 'linux' }, ...withContainerSC({ windowsOptions: { runAsUserName: 'u' } }) },
    want: [
      'FieldValueForbidden spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod',
    ],
  },
  {
    name: 'runAsUser on a windows pod',
    spec: { os: { name: 'windows' }, securityContext: { runAsUser: 1000 } },
    want: ['FieldValueForbidden spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod'],
  },
  {
    name: 'hostPID on a windows pod',
    spec: { os: { name: 'windows' }, hostPID: true },
    want: ['FieldValueForbidden spec.hostPID: Forbidden: cannot be set for a windows pod'],
  },
  {
    name: 'container capabilities on a windows pod',
    spec: { os: { name: 'windows' }, ...withContainerSC({ capabilities: { drop: ['ALL'] } }) },
    want: [
      'FieldValueForbidden spec.containers[0].securityContext.capabilities: Forbidden: cannot be set for a windows pod',
    ],
  },
  {
    name: 'hostProcess pod off the host network',
    spec: { securityContext: { windowsOptions: { hostProcess: true } } },
    want: [
      'FieldValueInvalid spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ],
  },
  {
    name: 'hostProcess differing between pod and container',
    spec: {
      hostNetwork: true,
      securityContext: { windowsOptions: { hostProcess: true } },
      ...withContainerSC({ windowsOptions: { hostProcess: false } }),
    },
    want: [
      'FieldValueInvalid spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: ' +
        'pod hostProcess value must be identical if both are specified, was true',
    ],
  },
];

const nodeAffinity = (na: Json): Json => ({ affinity: { nodeAffinity: na } });
const requiredNode = (term: Json): Json =>
  nodeAffinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } });
const podAffinityTerm = (term: Json): Json => ({
  affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } },
});
const REQ_TERM = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]';
const POD_TERM = 'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';

const AFFINITY_CASES: Case[] = [
  {
    name: 'required node affinity without terms',
    spec: nodeAffinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } }),
    want: [
      'FieldValueRequired spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: ' +
        'Required value: must have at least one node selector term',
    ],
  },
  {
    name: 'In without values',
    spec: requiredNode({ matchExpressions: [{ key: 'zone', operator: 'In' }] }),
    want: [
      `FieldValueRequired ${REQ_TERM}.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    ],
  },
  {
    name: 'Exists with values',
    spec: requiredNode({ matchExpressions: [{ key: 'zone', operator: 'Exists', values: ['a'] }] }),
    want: [
      `FieldValueForbidden ${REQ_TERM}.matchExpressions[0].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
    ],
  },
  {
    name: 'Gt with two values',
    spec: requiredNode({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1', '2'] }] }),
    want: [
      `FieldValueRequired ${REQ_TERM}.matchExpressions[0].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`,
    ],
  },
  {
    name: 'operator unknown',
    spec: requiredNode({ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] }),
    want: [
      `FieldValueInvalid ${REQ_TERM}.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`,
    ],
  },
  {
    name: 'key not a label name',
    spec: requiredNode({ matchExpressions: [{ key: 'a b', operator: 'Exists' }] }),
    want: [
      `FieldValueInvalid ${REQ_TERM}.matchExpressions[0].key: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
  },
  {
    name: 'a required node affinity value that is no label value is taken (values are checked from 1.33 on)',
    spec: requiredNode({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a b'] }] }),
    want: [],
  },
  {
    name: 'matchFields on a field other than metadata.name',
    spec: requiredNode({ matchFields: [{ key: 'spec.unschedulable', operator: 'In', values: ['x'] }] }),
    want: [
      `FieldValueInvalid ${REQ_TERM}.matchFields[0].key: Invalid value: "spec.unschedulable": not a valid field selector key`,
    ],
  },
  {
    name: 'matchFields In with two names',
    spec: requiredNode({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }),
    want: [
      `FieldValueRequired ${REQ_TERM}.matchFields[0].values: Required value: must be only one value when \`operator\` is 'In' or 'NotIn' for node field selector`,
    ],
  },
  {
    name: 'matchFields Exists',
    spec: requiredNode({ matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }),
    want: [
      `FieldValueInvalid ${REQ_TERM}.matchFields[0].operator: Invalid value: "Exists": not a valid selector operator`,
    ],
  },
  {
    name: 'preferred node term weight 0',
    spec: nodeAffinity({
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [] } }],
    }),
    want: [
      'FieldValueInvalid spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: ' +
        'Invalid value: 0: must be in the range 1-100',
    ],
  },
  {
    name: 'pod affinity without topologyKey (upstream also reports the empty label name)',
    spec: podAffinityTerm({ labelSelector: { matchLabels: { app: 'a' } } }),
    want: [
      `FieldValueRequired ${POD_TERM}.topologyKey: Required value: can not be empty`,
      `FieldValueInvalid ${POD_TERM}.topologyKey: Invalid value: "": name part must be non-empty`,
      `FieldValueInvalid ${POD_TERM}.topologyKey: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
  },
  {
    name: 'pod affinity selector with a bad value',
    spec: podAffinityTerm({
      topologyKey: 'zone',
      labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a b'] }] },
    }),
    want: [
      `FieldValueInvalid ${POD_TERM}.labelSelector.matchExpressions[0].values[0]: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  },
  {
    name: 'pod affinity namespace not a label',
    spec: podAffinityTerm({ topologyKey: 'zone', namespaces: ['Bad_NS'], labelSelector: {} }),
    want: [
      `FieldValueInvalid ${POD_TERM}.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
  },
  {
    name: 'matchLabelKeys without a selector',
    spec: podAffinityTerm({ topologyKey: 'zone', matchLabelKeys: ['app'] }),
    want: [
      `FieldValueForbidden ${POD_TERM}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`,
    ],
  },
  {
    name: 'a key in both matchLabelKeys and mismatchLabelKeys',
    spec: podAffinityTerm({
      topologyKey: 'zone',
      labelSelector: {},
      matchLabelKeys: ['team'],
      mismatchLabelKeys: ['team'],
    }),
    want: [
      `FieldValueInvalid ${POD_TERM}.matchLabelKeys[0]: Invalid value: "team": exists in both matchLabelKeys and mismatchLabelKeys`,
    ],
  },
  {
    name: 'a matchLabelKeys key the selector already has',
    spec: podAffinityTerm({
      topologyKey: 'zone',
      labelSelector: { matchLabels: { app: 'a' } },
      matchLabelKeys: ['app'],
    }),
    want: [`FieldValueInvalid ${POD_TERM}[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`],
  },
  {
    name: 'anti-affinity preferred weight above 100',
    spec: {
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 101, podAffinityTerm: { topologyKey: 'zone', labelSelector: {} } },
          ],
        },
      },
    },
    want: [
      'FieldValueInvalid spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: ' +
        'Invalid value: 101: must be in the range 1-100',
    ],
  },
];

const spread = (c: Json, more: Json[] = []): Json => ({
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: {}, ...c },
    ...more,
  ],
});
const TSC = 'spec.topologySpreadConstraints[0]';

const TOPOLOGY_CASES: Case[] = [
  {
    name: 'maxSkew 0',
    spec: spread({ maxSkew: 0 }),
    want: [`FieldValueInvalid ${TSC}.maxSkew: Invalid value: 0: must be greater than zero`],
  },
  {
    name: 'topologyKey empty',
    spec: spread({ topologyKey: '' }),
    want: [`FieldValueRequired ${TSC}.topologyKey: Required value: can not be empty`],
  },
  {
    name: 'whenUnsatisfiable unknown',
    spec: spread({ whenUnsatisfiable: 'Wait' }),
    want: [
      `FieldValueNotSupported ${TSC}.whenUnsatisfiable: Unsupported value: "Wait": supported values: "DoNotSchedule", "ScheduleAnyway"`,
    ],
  },
  {
    name: 'the same {topologyKey, whenUnsatisfiable} twice',
    spec: spread({}, [{ maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }]),
    want: [`FieldValueDuplicate ${TSC}.{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"`],
  },
  {
    name: 'minDomains 0',
    spec: spread({ minDomains: 0 }),
    want: [`FieldValueInvalid ${TSC}.minDomains: Invalid value: 0: must be greater than zero`],
  },
  {
    name: 'minDomains with ScheduleAnyway',
    spec: spread({ minDomains: 2, whenUnsatisfiable: 'ScheduleAnyway' }),
    want: [
      `FieldValueInvalid ${TSC}.minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`,
    ],
  },
  {
    name: 'nodeAffinityPolicy unknown',
    spec: spread({ nodeAffinityPolicy: 'Maybe' }),
    want: [
      `FieldValueNotSupported ${TSC}.nodeAffinityPolicy: Unsupported value: "Maybe": supported values: "Honor", "Ignore"`,
    ],
  },
  {
    name: 'nodeTaintsPolicy unknown',
    spec: spread({ nodeTaintsPolicy: 'Maybe' }),
    want: [
      `FieldValueNotSupported ${TSC}.nodeTaintsPolicy: Unsupported value: "Maybe": supported values: "Honor", "Ignore"`,
    ],
  },
  {
    name: 'matchLabelKeys without a selector',
    spec: {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['app'] },
      ],
    },
    want: [`FieldValueForbidden ${TSC}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`],
  },
  {
    name: 'matchLabelKeys key already in the selector',
    spec: spread({ labelSelector: { matchLabels: { app: 'a' } }, matchLabelKeys: ['app'] }),
    want: [
      `FieldValueInvalid ${TSC}.matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`,
    ],
  },
  {
    name: 'selector operator unknown',
    spec: spread({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Is' }] } }),
    want: [
      `FieldValueInvalid ${TSC}.labelSelector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator`,
    ],
  },
];

const ANNOTATION_CASES: Case[] = [
  {
    name: 'mirror pod without a node',
    meta: { annotations: { 'kubernetes.io/config.mirror': 'abc' } },
    want: [
      'FieldValueInvalid metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "abc": must set spec.nodeName if mirror pod annotation is set',
    ],
  },
  {
    name: 'deletion cost not an int32',
    meta: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '3000000000' } },
    want: [
      'FieldValueInvalid metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "3000000000": must be a 32bit integer',
    ],
  },
  {
    name: 'seccomp pod annotation unknown',
    meta: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'strict' } },
    want: [
      'FieldValueInvalid metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "strict": must be a valid seccomp profile',
    ],
  },
  {
    name: 'seccomp container annotation escaping its directory',
    meta: { annotations: { 'container.seccomp.security.alpha.kubernetes.io/c': 'localhost/../x' } },
    want: [
      `FieldValueInvalid metadata.annotations.container.seccomp.security.alpha.kubernetes.io/c: Invalid value: "../x": must not contain '..'`,
    ],
  },
  {
    name: 'AppArmor annotation for a missing container',
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/other': 'runtime/default' } },
    want: [
      'FieldValueInvalid metadata.annotations[container.apparmor.security.beta.kubernetes.io/other]: Invalid value: "other": container not found',
    ],
  },
  {
    name: 'AppArmor annotation with a bad profile',
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'strict' } },
    want: [
      'FieldValueInvalid metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Invalid value: "strict": invalid AppArmor profile name: "strict"',
    ],
  },
  {
    name: 'tolerations annotation with a bad operator',
    meta: { annotations: { 'scheduler.alpha.kubernetes.io/tolerations': '[{"key":"k","operator":"Near"}]' } },
    want: [
      'FieldValueNotSupported metadata.annotations.scheduler.alpha.kubernetes.io/tolerations[0].operator: Unsupported value: "Near": supported values: "Equal", "Exists"',
    ],
  },
  {
    name: 'seccomp annotation disagreeing with the pod field',
    meta: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } },
    spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } },
    want: [
      'FieldValueForbidden spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match',
    ],
  },
  {
    name: 'seccomp container annotation with another localhost profile',
    meta: { annotations: { 'container.seccomp.security.alpha.kubernetes.io/c': 'localhost/a.json' } },
    spec: withContainerSC({ seccompProfile: { type: 'Localhost', localhostProfile: 'b.json' } }),
    want: [
      'FieldValueForbidden spec.containers[0].securityContext.seccompProfile.localhostProfile: Forbidden: seccomp profile in annotation and field must match',
    ],
  },
  {
    name: 'AppArmor annotation disagreeing with the container field',
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } },
    spec: withContainerSC({ appArmorProfile: { type: 'RuntimeDefault' } }),
    want: [
      'FieldValueForbidden spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match',
    ],
  },
  {
    name: 'nodeName while scheduling gates remain',
    spec: { nodeName: 'n1', schedulingGates: [{ name: 'wait' }] },
    want: ['FieldValueForbidden spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared'],
  },
];

function runCases(cases: Case[]): void {
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(createErrors(c.spec ?? {}, c.meta ?? {}), c.want));
  }
}

describe('pod security contexts', () => runCases(SECURITY_CASES));
describe('pod affinity', () => runCases(AFFINITY_CASES));
describe('pod topology spread constraints', () => runCases(TOPOLOGY_CASES));
describe('pod-specific annotations', () => runCases(ANNOTATION_CASES));

describe('valid manifests pass', () => {
  test('a pod using every checked field correctly has no errors', () => {
    const errs = createErrors(
      {
        hostNetwork: true,
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 1000,
          fsGroup: 2000,
          supplementalGroups: [3000],
          fsGroupChangePolicy: 'OnRootMismatch',
          sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }],
          seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' },
          appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-apparmor' },
        },
        containers: [
          {
            name: 'c',
            image: 'nginx',
            securityContext: {
              privileged: false,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              procMount: 'Default',
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
        ],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
                    { key: 'cores', operator: 'Gt', values: ['4'] },
                  ],
                  matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-1'] }],
                },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
            ],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: { app: 'a' } },
                namespaces: ['default'],
                matchLabelKeys: ['tier'],
                mismatchLabelKeys: ['team'],
              },
            ],
          },
        },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            minDomains: 3,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'a' } },
            matchLabelKeys: ['pod-template-hash'],
            nodeAffinityPolicy: 'Honor',
            nodeTaintsPolicy: 'Ignore',
          },
          { maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
        ],
      },
      {
        annotations: {
          'controller.kubernetes.io/pod-deletion-cost': '-100',
          'seccomp.security.alpha.kubernetes.io/pod': 'localhost/profiles/audit.json',
          'container.apparmor.security.beta.kubernetes.io/c': 'localhost/k8s-apparmor',
        },
      },
    );
    assert.deepEqual(errs, []);
  });

  test('a windows hostProcess pod and a user-namespaced pod are valid', () => {
    assert.deepEqual(
      createErrors({
        os: { name: 'windows' },
        hostNetwork: true,
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      }),
      [],
    );
  });

  test('matchLabelKeys are merged into the pod affinity selector at create, mismatch keys as NotIn', () => {
    const p = created(
      newPod({
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                topologyKey: 'zone',
                labelSelector: { matchLabels: { app: 'a' } },
                matchLabelKeys: ['tier', 'absent'],
                mismatchLabelKeys: ['app'],
              },
            ],
          },
        },
      }),
    );
    const affinity = (p.spec as Json).affinity as Json;
    const [term] = (affinity.podAffinity as Json).requiredDuringSchedulingIgnoredDuringExecution as Json[];
    assert.deepEqual(term.labelSelector, {
      matchLabels: { app: 'a' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web'] },
        { key: 'app', operator: 'NotIn', values: ['a'] },
      ],
    });
    assert.deepEqual(pods.validate(p), []);
  });

  test('ProcMountType is off in 1.32: a procMount is forced to Default, unless the stored pod used another', () => {
    const p = created(newPod(withContainerSC({ procMount: 'Unmasked' })));
    const [c] = (p.spec as Json).containers as Json[];
    assert.deepEqual(c.securityContext, { procMount: 'Default' });
    assert.deepEqual(pods.validate(p), []);
    const d = created(
      {
        metadata: { name: 'd', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'a' } },
          template: { metadata: { labels: { app: 'a' } }, spec: withContainerSC({ procMount: 'Masked' }) },
        },
      },
      deployments,
    );
    const template = ((d.spec as Json).template as Json).spec as Json;
    assert.deepEqual(((template.containers as Json[])[0] as Json).securityContext, { procMount: 'Default' });
    // an old pod already using Unmasked keeps it, and then it is validated
    const old = created(newPod());
    ((old.spec as Json).containers as Json[])[0].securityContext = { procMount: 'Unmasked' };
    const next = clone(old);
    pods.applyDefaults?.(next);
    pods.prepareForUpdate?.(next, old);
    assert.deepEqual(((next.spec as Json).containers as Json[])[0].securityContext, { procMount: 'Unmasked' });
    assert.deepEqual(show(pods.validateUpdate(next, old)), [
      'FieldValueInvalid spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": ' +
        '`hostUsers` must be false to use `Unmasked`',
    ]);
  });

  test('UserNamespacesSupport is off in 1.32: hostUsers is dropped, unless the stored pod set it', () => {
    const p = created(newPod({ hostUsers: false, hostNetwork: true }));
    assert.equal((p.spec as Json).hostUsers, undefined);
    assert.deepEqual(pods.validate(p), []);
    const old = created(newPod({ hostNetwork: true }));
    (old.spec as Json).hostUsers = false;
    const next = clone(old);
    pods.applyDefaults?.(next);
    pods.prepareForUpdate?.(next, old);
    assert.equal((next.spec as Json).hostUsers, false);
    assert.deepEqual(show(pods.validateUpdate(next, old)), [
      'FieldValueForbidden spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false',
    ]);
    (next.spec as Json).hostNetwork = false;
    (next.spec as Json).hostPID = true;
    assert.ok(
      show(pods.validateUpdate(next, old)).includes(
        'FieldValueForbidden spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false',
      ),
    );
  });

  test('procMount values as ValidateSecurityContext checks them', () => {
    assert.deepEqual(show(validateContainerSecurityContext({ procMount: 'Masked' }, 'sc', false)), [
      'FieldValueNotSupported sc.procMount: Unsupported value: "Masked": supported values: "Default", "Unmasked"',
    ]);
    assert.deepEqual(show(validateContainerSecurityContext({ procMount: 'Unmasked' }, 'sc', false)), []);
  });

  test('AppArmor fields and their deprecated annotations are synced at create', () => {
    const key = (c: string): string => `container.apparmor.security.beta.kubernetes.io/${c}`;
    const p = created(
      newPod(
        {
          securityContext: { appArmorProfile: { type: 'RuntimeDefault' } },
          containers: [
            { name: 'c', image: 'nginx' },
            {
              name: 'l',
              image: 'nginx',
              securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } },
            },
            { name: 'a', image: 'nginx' },
            { name: 'same', image: 'nginx' },
          ],
        },
        { annotations: { [key('a')]: 'unconfined', [key('same')]: 'runtime/default' } },
      ),
    );
    assert.deepEqual(p.metadata!.annotations, {
      [key('a')]: 'unconfined',
      [key('same')]: 'runtime/default',
      [key('c')]: 'runtime/default',
      [key('l')]: 'localhost/p',
    });
    const [c, l, a, same] = (p.spec as Json).containers as Json[];
    assert.equal(c.securityContext, undefined);
    assert.deepEqual(l.securityContext, { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } });
    assert.deepEqual(a.securityContext, { appArmorProfile: { type: 'Unconfined' } });
    // equal to the pod's profile, so nothing of its own
    assert.equal(same.securityContext, undefined);
    assert.deepEqual(pods.validate(p), []);
    const windows = created(newPod({ os: { name: 'windows' } }, { annotations: { [key('c')]: 'unconfined' } }));
    assert.equal(((windows.spec as Json).containers as Json[])[0].securityContext, undefined);
    // an annotation differing from the pod's profile becomes the container's own field, so they agree
    const inherited = created(
      newPod(
        { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } },
        { annotations: { [key('c')]: 'unconfined' } },
      ),
    );
    assert.deepEqual(((inherited.spec as Json).containers as Json[])[0].securityContext, {
      appArmorProfile: { type: 'Unconfined' },
    });
    assert.deepEqual(pods.validate(inherited), []);
  });

  test('fields of features off in 1.32 are dropped on create', () => {
    const p = created(newPod({ securityContext: { supplementalGroupsPolicy: 'Bogus', seLinuxChangePolicy: 'x' } }));
    assert.deepEqual((p.spec as Json).securityContext, {});
    assert.deepEqual(pods.validate(p), []);
  });
});

describe('workload templates share the rules', () => {
  test('a deployment template reports the same errors under spec.template', () => {
    const d: KubeObject = {
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'a' } },
        template: {
          metadata: { labels: { app: 'a' }, annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'bad' } },
          spec: {
            containers: [{ name: 'c', image: 'nginx', securityContext: { runAsUser: -1 } }],
            topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
          },
        },
      },
    };
    created(d, deployments);
    assert.deepEqual(show(deployments.validate(d)), [
      'FieldValueInvalid spec.template.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "bad": must be a valid seccomp profile',
      `FieldValueInvalid spec.template.spec.containers[0].securityContext.runAsUser: Invalid value: -1: ${RANGE}`,
      'FieldValueInvalid spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero',
    ]);
  });
});

function storedPod(spec: Json = {}, meta: Json = {}): KubeObject {
  return created(newPod(spec, meta));
}

function updated(old: KubeObject, change: (next: KubeObject) => void): string[] {
  const next = clone(old);
  change(next);
  pods.applyDefaults?.(next);
  return show(pods.validateUpdate(next, old));
}

describe('annotation updates', () => {
  test('the mirror pod annotation may not be added, changed or removed', () => {
    const plain = storedPod({ nodeName: 'n1' });
    assert.deepEqual(
      updated(plain, (n) => (n.metadata!.annotations = { 'kubernetes.io/config.mirror': 'x' })),
      [
        'FieldValueForbidden metadata.annotations[kubernetes.io/config.mirror]: Forbidden: may not add mirror pod annotation',
      ],
    );
    const mirror = storedPod({ nodeName: 'n1' }, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    assert.deepEqual(
      updated(mirror, (n) => (n.metadata!.annotations = {})),
      [
        'FieldValueForbidden metadata.annotations[kubernetes.io/config.mirror]: Forbidden: may not remove or update mirror pod annotation',
      ],
    );
  });

  test('AppArmor annotations are fixed at create', () => {
    const key = 'container.apparmor.security.beta.kubernetes.io/c';
    const p = storedPod({}, { annotations: { [key]: 'runtime/default' } });
    assert.deepEqual(
      updated(p, (n) => (n.metadata!.annotations = { [key]: 'unconfined' })),
      [`FieldValueForbidden metadata.annotations[${key}]: Forbidden: may not remove or update AppArmor annotations`],
    );
    const plain = storedPod();
    assert.deepEqual(
      updated(plain, (n) => (n.metadata!.annotations = { [key]: 'unconfined' })),
      [`FieldValueForbidden metadata.annotations[${key}]: Forbidden: may not add AppArmor annotations`],
    );
  });

  test('an invalid deletion cost already stored may stay, a new one may not', () => {
    const cost = 'controller.kubernetes.io/pod-deletion-cost';
    const p = storedPod();
    (p.metadata!.annotations ??= {})[cost] = 'lots';
    assert.deepEqual(
      updated(p, (n) => (n.metadata!.labels = { app: 'b' })),
      [],
    );
    assert.deepEqual(
      updated(storedPod(), (n) => (n.metadata!.annotations = { [cost]: '1.5' })),
      [`FieldValueInvalid metadata.annotations[${cost}]: Invalid value: "1.5": must be a 32bit integer`],
    );
  });

  test('static pods take no ephemeral containers', () => {
    const mirror = storedPod({ nodeName: 'n1' }, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    const next = clone(mirror);
    (next.spec as Json).ephemeralContainers = [{ name: 'debug', image: 'busybox' }];
    pods.applyDefaults?.(next);
    assert.deepEqual(show(validateEphemeralContainersWrite(next, mirror)), [
      'FieldValueForbidden : Forbidden: static pods do not support ephemeral containers',
    ]);
  });
});

const terminated = (name: string, exitCode: number): Json => ({ name, state: { terminated: { exitCode } } });
const running = (name: string): Json => ({ name, state: { running: {} } });

function statusWrite(old: KubeObject, status: Json): string[] {
  const next = clone(old);
  next.status = { ...clone(old.status as Json), ...status };
  pods.applyDefaults?.(next);
  pods.prepareForStatusUpdate?.(next, old);
  return show(pods.validateUpdate(next, old));
}

function podWithStatus(restartPolicy: string, status: Json, spec: Json = {}): KubeObject {
  const p = storedPod({ restartPolicy, ...spec });
  p.status = { ...(p.status as Json), ...status };
  return p;
}

describe('status updates', () => {
  test('restartPolicy Never: a terminated container may not run again', () => {
    const old = podWithStatus('Never', { containerStatuses: [terminated('c', 0)] });
    assert.deepEqual(statusWrite(old, { containerStatuses: [running('c')] }), [
      'FieldValueForbidden status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
    ]);
    assert.deepEqual(statusWrite(old, { containerStatuses: [terminated('c', 0)] }), []);
  });

  test('restartPolicy OnFailure: only a failed container may run again', () => {
    const failed = podWithStatus('OnFailure', { containerStatuses: [terminated('c', 1)] });
    assert.deepEqual(statusWrite(failed, { containerStatuses: [running('c')] }), []);
    const succeeded = podWithStatus('OnFailure', { containerStatuses: [terminated('c', 0)] });
    assert.deepEqual(statusWrite(succeeded, { containerStatuses: [running('c')] }), [
      'FieldValueForbidden status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
    ]);
  });

  test('restartPolicy Always lets any container restart', () => {
    const old = podWithStatus('Always', { containerStatuses: [terminated('c', 0)] });
    assert.deepEqual(statusWrite(old, { containerStatuses: [running('c')] }), []);
  });

  test('init containers: sidecars may restart, others may not', () => {
    const spec = {
      initContainers: [
        { name: 'setup', image: 'busybox' },
        { name: 'sidecar', image: 'envoy', restartPolicy: 'Always' },
      ],
    };
    const old = podWithStatus(
      'Never',
      { initContainerStatuses: [terminated('setup', 0), terminated('sidecar', 0)] },
      spec,
    );
    assert.deepEqual(statusWrite(old, { initContainerStatuses: [terminated('setup', 0), running('sidecar')] }), []);
    assert.deepEqual(statusWrite(old, { initContainerStatuses: [running('setup'), terminated('sidecar', 0)] }), [
      'FieldValueForbidden status.initContainerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
    ]);
  });

  test('ephemeral containers never restart, whatever the pod policy', () => {
    const old = podWithStatus('Always', { ephemeralContainerStatuses: [terminated('debug', 1)] });
    assert.deepEqual(statusWrite(old, { ephemeralContainerStatuses: [running('debug')] }), [
      'FieldValueForbidden status.ephemeralContainerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
    ]);
  });

  test('custom condition types must be qualified names', () => {
    const old = storedPod();
    assert.deepEqual(
      statusWrite(old, {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'example.com/ok', status: 'True' },
        ],
      }),
      [],
    );
    assert.deepEqual(statusWrite(old, { conditions: [{ type: 'not ok', status: 'True' }] }), [
      `FieldValueInvalid metadata.conditions[0].Type: Invalid value: "not ok": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
  });

  test('kubelet fields of features off in 1.32 are dropped from status writes', () => {
    const old = storedPod();
    const next = clone(old);
    next.status = {
      ...(next.status as Json),
      containerStatuses: [
        {
          ...running('c'),
          user: { linux: { uid: -1, gid: 0 } },
          allocatedResourcesStatus: [{ name: 'cpu', resources: [] }],
        },
      ],
    };
    pods.prepareForStatusUpdate?.(next, old);
    assert.deepEqual((next.status as Json).containerStatuses, [running('c')]);
    assert.deepEqual(show(pods.validateUpdate(next, old)), []);
  });
});

describe('attacker input', () => {
  test('wrongly typed security and scheduling fields give field errors, never a throw', () => {
    const weird: Json[] = [
      { securityContext: { sysctls: 'x', supplementalGroups: 'y', seccompProfile: 'z' } },
      { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: 'x' } } },
      { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: 7 }] } } },
      { topologySpreadConstraints: [{ maxSkew: 'x' }, 3] },
      { os: { name: 7 } },
      withContainerSC({ capabilities: { add: 'CAP_SYS_ADMIN' }, allowPrivilegeEscalation: false }),
    ];
    for (const spec of weird) {
      assert.doesNotThrow(() =>
        createErrors(spec, { annotations: { 'scheduler.alpha.kubernetes.io/tolerations': '{' } }),
      );
    }
    const errs = createErrors({}, { annotations: { 'scheduler.alpha.kubernetes.io/tolerations': '{' } });
    assert.equal(errs.length, 1);
    assert.match(
      errs[0],
      /^FieldValueInvalid metadata\.annotations: Invalid value: "scheduler\.alpha\.kubernetes\.io\/tolerations": /,
    );
  });
});
