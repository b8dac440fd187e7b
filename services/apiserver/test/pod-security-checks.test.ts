import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePod, forbiddenDetail, forbiddenReason } from '../src/admission/pod-security/evaluator';
import { LATEST, parseVersion, type Level, type LevelVersion } from '../src/admission/pod-security/levels';
import { podMetaView, podSpecView } from '../src/admission/pod-security/pod-shape';

type Json = Record<string, unknown>;

/** A pod that passes restricted:latest; cases change one thing at a time. */
function restrictedPod(): { metadata: Json; spec: Json } {
  return {
    metadata: { name: 'p' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          image: 'busybox',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

function lv(level: Level, version = 'latest'): LevelVersion {
  return { level, version: version === 'latest' ? LATEST : parseVersion(version).version };
}

/** The `violates PodSecurity` tail for one pod: the reasons with their details. */
function detail(level: LevelVersion, pod: { metadata?: Json; spec?: Json }): string {
  return forbiddenDetail(evaluatePod(level, podMetaView(pod.metadata), podSpecView(pod.spec)));
}

interface Case {
  name: string;
  level: Level;
  version?: string;
  spec?: Json;
  metadata?: Json;
  /** '' when the pod passes */
  want: string;
}

const c = (name: string, extra: Json = {}): Json => ({ name, image: 'busybox', ...extra });

const baselineCases: Case[] = [
  { name: 'a plain pod passes baseline', level: 'baseline', spec: { containers: [c('a')] }, want: '' },
  {
    name: 'hostProcess on pod and a container',
    level: 'baseline',
    spec: {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [c('a', { securityContext: { windowsOptions: { hostProcess: true } } }), c('b')],
    },
    want: 'hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)',
  },
  {
    name: 'host namespaces in upstream order',
    level: 'baseline',
    spec: { hostIPC: true, hostNetwork: true, hostPID: true, containers: [c('a')] },
    want: 'host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)',
  },
  {
    name: 'privileged containers, init containers first',
    level: 'baseline',
    spec: {
      containers: [
        c('a', { securityContext: { privileged: true } }),
        c('b', { securityContext: { privileged: false } }),
      ],
      initContainers: [c('i', { securityContext: { privileged: true } })],
    },
    want: 'privileged (containers "i", "a" must not set securityContext.privileged=true)',
  },
  {
    name: 'non-default capabilities, sorted and unique',
    level: 'baseline',
    spec: {
      containers: [
        c('a', { securityContext: { capabilities: { add: ['SYS_ADMIN', 'CHOWN', 'NET_RAW'] } } }),
        c('b', { securityContext: { capabilities: { add: ['NET_RAW'] } } }),
        c('ok', { securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'KILL'] } } }),
      ],
    },
    want: 'non-default capabilities (containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    name: 'hostPath volumes',
    level: 'baseline',
    spec: {
      containers: [c('a')],
      volumes: [
        { name: 'h', hostPath: { path: '/' } },
        { name: 'e', emptyDir: {} },
        { name: 'h2', hostPath: { path: '/x' } },
      ],
    },
    want: 'hostPath volumes (volumes "h", "h2")',
  },
  {
    name: 'hostPorts: one container, one port',
    level: 'baseline',
    spec: { containers: [c('a', { ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] })] },
    want: 'hostPort (container "a" uses hostPort 8080)',
  },
  {
    name: 'hostPorts: several, sorted as strings',
    level: 'baseline',
    spec: {
      containers: [
        c('a', { ports: [{ containerPort: 80, hostPort: 9090 }] }),
        c('b', {
          ports: [
            { containerPort: 80, hostPort: 10000 },
            { containerPort: 81, hostPort: 0 },
          ],
        }),
      ],
    },
    want: 'hostPort (containers "a", "b" use hostPorts 10000, 9090)',
  },
  {
    name: 'AppArmor: field types and annotations',
    level: 'baseline',
    metadata: {
      annotations: {
        'container.apparmor.security.beta.kubernetes.io/a': 'unconfined',
        'container.apparmor.security.beta.kubernetes.io/b': 'localhost/custom',
      },
    },
    spec: {
      securityContext: { appArmorProfile: { type: 'Unconfined' } },
      containers: [c('a', { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } })],
    },
    want: 'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"")',
  },
  {
    name: 'AppArmor: one container field',
    level: 'baseline',
    spec: { containers: [c('foo', { securityContext: { appArmorProfile: { type: 'Unconfined' } } })] },
    want: 'forbidden AppArmor profile (container "foo" must not set AppArmor profile type to "Unconfined")',
  },
  {
    name: 'SELinux type, user and role',
    level: 'baseline',
    spec: {
      securityContext: { seLinuxOptions: { type: 'spc_t' } },
      containers: [
        c('a', { securityContext: { seLinuxOptions: { user: 'u', role: 'r' } } }),
        c('b', { securityContext: { seLinuxOptions: { type: 'container_t' } } }),
      ],
    },
    want: 'seLinuxOptions (pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set)',
  },
  {
    name: 'SELinux container_engine_t is allowed from 1.31',
    level: 'baseline',
    spec: { securityContext: { seLinuxOptions: { type: 'container_engine_t' } }, containers: [c('a')] },
    want: '',
  },
  {
    name: 'SELinux container_engine_t is refused at v1.30',
    level: 'baseline',
    version: 'v1.30',
    spec: { securityContext: { seLinuxOptions: { type: 'container_engine_t' } }, containers: [c('a')] },
    want: 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")',
  },
  {
    name: '/proc mount',
    level: 'baseline',
    spec: {
      containers: [
        c('a', { securityContext: { procMount: 'Unmasked' } }),
        c('b', { securityContext: { procMount: 'Default' } }),
      ],
    },
    want: 'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
  },
  {
    name: 'seccomp Unconfined on pod and container',
    level: 'baseline',
    spec: {
      securityContext: { seccompProfile: { type: 'Unconfined' } },
      containers: [c('a', { securityContext: { seccompProfile: { type: 'Unconfined' } } }), c('b')],
    },
    want: 'seccompProfile (pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    name: 'seccomp annotations are what v1.18 checks',
    level: 'baseline',
    version: 'v1.18',
    metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } },
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a')] },
    want: 'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")',
  },
  {
    name: 'sysctls: the 1.32 additions pass at latest',
    level: 'baseline',
    spec: {
      securityContext: {
        sysctls: [
          { name: 'net.ipv4.tcp_rmem', value: '1' },
          { name: 'kernel.shm_rmid_forced', value: '0' },
        ],
      },
      containers: [c('a')],
    },
    want: '',
  },
  {
    name: 'sysctls: a 1.32 addition is refused at v1.31, in spec order',
    level: 'baseline',
    version: 'v1.31',
    spec: {
      securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem' }, { name: 'kernel.msgmax' }] },
      containers: [c('a')],
    },
    want: 'forbidden sysctls (net.ipv4.tcp_rmem, kernel.msgmax)',
  },
];

const restrictedCases: Case[] = [
  { name: 'the compliant pod passes', level: 'restricted', ...restrictedPod(), want: '' },
  {
    name: 'a bare pod: every restricted reason in upstream order',
    level: 'restricted',
    spec: { containers: [c('a')] },
    want:
      'allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    name: 'baseline reasons come first, restricted volume types replace hostPath volumes',
    level: 'restricted',
    spec: {
      hostNetwork: true,
      hostPID: true,
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [c('container-00', { securityContext: { privileged: true, runAsUser: 0 } })],
    },
    want:
      'host namespaces (hostNetwork=true, hostPID=true), privileged (container "container-00" must not set securityContext.privileged=true), ' +
      'allowPrivilegeEscalation != false (container "container-00" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "container-00" must set securityContext.capabilities.drop=["ALL"]), ' +
      'restricted volume types (volume "host" uses restricted volume type "hostPath"), ' +
      'runAsNonRoot != true (pod or container "container-00" must set securityContext.runAsNonRoot=true), ' +
      'runAsUser=0 (container "container-00" must not set runAsUser=0), ' +
      'seccompProfile (pod or container "container-00" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
];

function tweak(f: (p: { metadata: Json; spec: Json }) => void): { metadata: Json; spec: Json } {
  const p = restrictedPod();
  f(p);
  return p;
}
const container0 = (p: { spec: Json }): Json => (p.spec.containers as Json[])[0];
const sc0 = (p: { spec: Json }): Json => container0(p).securityContext as Json;

restrictedCases.push(
  {
    name: 'allowPrivilegeEscalation=true',
    level: 'restricted',
    ...tweak((p) => (sc0(p).allowPrivilegeEscalation = true)),
    want: 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
  },
  {
    name: 'capabilities: add beyond NET_BIND_SERVICE',
    level: 'restricted',
    ...tweak((p) => (sc0(p).capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] })),
    want: 'unrestricted capabilities (container "c" must not include "CHOWN" in securityContext.capabilities.add)',
  },
  {
    name: 'capabilities: both halves',
    level: 'restricted',
    ...tweak((p) => (sc0(p).capabilities = { drop: ['NET_RAW'], add: ['SYS_TIME'] })),
    want: 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; container "c" must not include "SYS_TIME" in securityContext.capabilities.add)',
  },
  {
    name: 'restricted volume types, several',
    level: 'restricted',
    ...tweak((p) => {
      p.spec.volumes = [
        { name: 'n', nfs: { server: 's', path: '/' } },
        { name: 'g', gitRepo: { repository: 'r' } },
        { name: 'ok', secret: { secretName: 's' } },
      ];
    }),
    want: 'restricted volume types (volumes "n", "g" use restricted volume types "gitRepo", "nfs")',
  },
  {
    name: 'runAsNonRoot=false on the pod and a container',
    level: 'restricted',
    ...tweak((p) => {
      (p.spec.securityContext as Json).runAsNonRoot = false;
      sc0(p).runAsNonRoot = false;
    }),
    want: 'runAsNonRoot != true (pod and container "c" must not set securityContext.runAsNonRoot=false)',
  },
  {
    name: 'runAsNonRoot set on each container instead of the pod',
    level: 'restricted',
    ...tweak((p) => {
      delete (p.spec.securityContext as Json).runAsNonRoot;
      sc0(p).runAsNonRoot = true;
    }),
    want: '',
  },
  {
    name: 'runAsUser=0 on the pod',
    level: 'restricted',
    ...tweak((p) => ((p.spec.securityContext as Json).runAsUser = 0)),
    want: 'runAsUser=0 (pod must not set runAsUser=0)',
  },
  {
    name: 'runAsUser=0 is allowed before 1.23',
    level: 'restricted',
    version: 'v1.22',
    ...tweak((p) => ((p.spec.securityContext as Json).runAsUser = 0)),
    want: '',
  },
  {
    name: 'seccomp Unconfined on a container under a good pod profile',
    level: 'restricted',
    ...tweak((p) => (sc0(p).seccompProfile = { type: 'Unconfined' })),
    want: 'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    name: 'before 1.22 capabilities are only the baseline check',
    level: 'restricted',
    version: 'v1.21',
    ...tweak((p) => (sc0(p).capabilities = { add: ['SYS_ADMIN'] })),
    want: 'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    name: 'before 1.19 seccomp is the baseline annotation check: a missing profile passes',
    level: 'restricted',
    version: 'v1.18',
    ...tweak((p) => delete (p.spec.securityContext as Json).seccompProfile),
    want: '',
  },
  {
    name: 'before 1.8 allowPrivilegeEscalation is not checked',
    level: 'restricted',
    version: 'v1.7',
    ...tweak((p) => delete sc0(p).allowPrivilegeEscalation),
    want: '',
  },
  {
    name: 'Windows pods skip the Linux-only restricted checks from 1.25',
    level: 'restricted',
    spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [c('w')] },
    want: '',
  },
  {
    name: 'Windows pods are checked as Linux ones at v1.24',
    level: 'restricted',
    version: 'v1.24',
    spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [c('w')] },
    want:
      'allowPrivilegeEscalation != false (container "w" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "w" must set securityContext.capabilities.drop=["ALL"]), ' +
      'seccompProfile (pod or container "w" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    name: 'ephemeral containers are checked too',
    level: 'restricted',
    ...tweak(
      (p) =>
        (p.spec.ephemeralContainers = [
          {
            name: 'debug',
            image: 'busybox',
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 0 },
          },
        ]),
    ),
    want: 'runAsUser=0 (container "debug" must not set runAsUser=0)',
  },
);

describe('Pod Security Standards checks', () => {
  for (const tc of [...baselineCases, ...restrictedCases]) {
    it(`${tc.level}${tc.version ? `:${tc.version}` : ''}: ${tc.name}`, () => {
      assert.equal(detail(lv(tc.level, tc.version), { metadata: tc.metadata, spec: tc.spec }), tc.want);
    });
  }

  it('privileged allows anything', () => {
    const r = evaluatePod(
      lv('privileged'),
      podMetaView({}),
      podSpecView({ hostPID: true, containers: [c('a', { securityContext: { privileged: true } })] }),
    );
    assert.equal(r.allowed, true);
  });

  it('baseline does not run restricted checks', () => {
    assert.equal(detail(lv('baseline'), { spec: { containers: [c('a')], volumes: [{ name: 'n', nfs: {} }] } }), '');
  });

  it('the short form lists reasons only', () => {
    const r = evaluatePod(lv('restricted'), podMetaView({}), podSpecView({ hostNetwork: true, containers: [c('a')] }));
    assert.equal(
      forbiddenReason(r),
      'host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    );
  });

  it('malformed fields read as unset and never throw', () => {
    const hostile = {
      metadata: { annotations: 'x' },
      spec: {
        containers: 'nope',
        initContainers: [null, 7, { name: 3, securityContext: 'x' }],
        volumes: [null, { name: 'v' }],
        securityContext: { sysctls: 'x', seLinuxOptions: [] },
        hostNetwork: 'true',
      },
    };
    const d = detail(lv('restricted'), hostile as unknown as { metadata: Json; spec: Json });
    assert.match(d, /restricted volume types \(volume "v" uses restricted volume type "unknown"\)/);
    assert.doesNotMatch(d, /host namespaces/);
  });
});
