/**
 * kube-apiserver 1.32's bootstrap RBAC policy as facts, in a compact notation
 * expanded by bootstrap-policy.ts. Lists are space-separated; `core` stands
 * for the legacy API group "". Rules keep upstream's order, which is what
 * `kubectl get clusterrole -o yaml` shows on a fresh cluster.
 */

/** verbs, groups, resources, optional resourceNames */
export type ResourceRuleFact = [string, string, string, string?];
/** verbs and non-resource URLs */
export interface UrlRuleFact {
  urls: string;
  verbs: string;
}
export type RuleFact = ResourceRuleFact | UrlRuleFact;

export interface ClusterRoleFact {
  name: string;
  /** labels besides kubernetes.io/bootstrapping */
  labels?: Record<string, string>;
  /** label selected by the aggregationRule (matchLabels value "true") */
  aggregateFrom?: string;
  rules: RuleFact[];
}

export interface BindingFact {
  name: string;
  /** `ClusterRole:<name>` or `Role:<name>` */
  roleRef: string;
  /** `User:<name>`, `Group:<name>`, `ServiceAccount:<namespace>/<name>` */
  subjects: string[];
}

const EVENTS: ResourceRuleFact = ['create update patch', 'core events.k8s.io', 'events'];
const AGG = 'rbac.authorization.k8s.io/aggregate-to-';
const RW = 'create delete deletecollection patch update';
const READ = 'get list watch';

export const CLUSTER_ROLES: ClusterRoleFact[] = [
  { name: 'admin', aggregateFrom: `${AGG}admin`, rules: [] },
  {
    name: 'cluster-admin',
    rules: [['*', '*', '*'], { verbs: '*', urls: '*' }],
  },
  { name: 'edit', labels: { [`${AGG}admin`]: 'true' }, aggregateFrom: `${AGG}edit`, rules: [] },
  {
    name: 'system:aggregate-to-admin',
    labels: { [`${AGG}admin`]: 'true' },
    rules: [
      ['create', 'authorization.k8s.io', 'localsubjectaccessreviews'],
      [`${RW} get list watch`, 'rbac.authorization.k8s.io', 'rolebindings roles'],
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [`${AGG}edit`]: 'true' },
    rules: [
      [READ, 'core', 'pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy'],
      ['impersonate', 'core', 'serviceaccounts'],
      [RW, 'core', 'pods pods/attach pods/exec pods/portforward pods/proxy'],
      ['create', 'core', 'pods/eviction'],
      [
        RW,
        'core',
        'configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy',
      ],
      ['create', 'core', 'serviceaccounts/token'],
      [
        RW,
        'apps',
        'daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale',
      ],
      [RW, 'autoscaling', 'horizontalpodautoscalers'],
      [RW, 'batch', 'cronjobs jobs'],
      [
        RW,
        'extensions',
        'daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale',
      ],
      [RW, 'policy', 'poddisruptionbudgets'],
      [RW, 'networking.k8s.io', 'ingresses networkpolicies'],
      [`${RW} get list watch`, 'coordination.k8s.io', 'leases'],
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [`${AGG}view`]: 'true' },
    rules: [
      [
        READ,
        'core',
        'configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status',
      ],
      [
        READ,
        'core',
        'bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status',
      ],
      [READ, 'core', 'namespaces'],
      [READ, 'discovery.k8s.io', 'endpointslices'],
      [
        READ,
        'apps',
        'controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status',
      ],
      [READ, 'autoscaling', 'horizontalpodautoscalers horizontalpodautoscalers/status'],
      [READ, 'batch', 'cronjobs cronjobs/status jobs jobs/status'],
      [
        READ,
        'extensions',
        'daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale',
      ],
      [READ, 'policy', 'poddisruptionbudgets poddisruptionbudgets/status'],
      [READ, 'networking.k8s.io', 'ingresses ingresses/status networkpolicies'],
    ],
  },
  {
    name: 'system:auth-delegator',
    rules: [
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
    ],
  },
  {
    name: 'system:basic-user',
    rules: [
      ['create', 'authorization.k8s.io', 'selfsubjectaccessreviews selfsubjectrulesreviews'],
      ['create', 'authentication.k8s.io', 'selfsubjectreviews'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    rules: [['create', 'certificates.k8s.io', 'certificatesigningrequests/nodeclient']],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    rules: [['create', 'certificates.k8s.io', 'certificatesigningrequests/selfnodeclient']],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-approver',
    rules: [['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client']],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    rules: [['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet']],
  },
  {
    name: 'system:certificates.k8s.io:kubelet-serving-approver',
    rules: [['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kubelet-serving']],
  },
  {
    name: 'system:certificates.k8s.io:legacy-unknown-approver',
    rules: [['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/legacy-unknown']],
  },
  {
    name: 'system:discovery',
    rules: [
      {
        verbs: 'get',
        urls: '/api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/',
      },
    ],
  },
  {
    name: 'system:heapster',
    rules: [
      [READ, 'core', 'events namespaces nodes pods'],
      [READ, 'extensions', 'deployments'],
    ],
  },
  { name: 'system:kube-aggregator', rules: [[READ, 'core', 'endpoints services']] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      EVENTS,
      ['create', 'coordination.k8s.io', 'leases'],
      ['get update', 'coordination.k8s.io', 'leases', 'kube-controller-manager'],
      ['create', 'core', 'secrets serviceaccounts'],
      ['delete', 'core', 'secrets'],
      ['get', 'core', 'configmaps namespaces secrets serviceaccounts'],
      ['update', 'core', 'secrets serviceaccounts'],
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
      ['list watch', '*', '*'],
      ['create', 'core', 'serviceaccounts/token'],
    ],
  },
  { name: 'system:kube-dns', rules: [['list watch', 'core', 'endpoints services']] },
  {
    name: 'system:kube-scheduler',
    rules: [
      EVENTS,
      ['create', 'coordination.k8s.io', 'leases'],
      ['get update', 'coordination.k8s.io', 'leases', 'kube-scheduler'],
      [READ, 'core', 'nodes'],
      ['delete get list watch', 'core', 'pods'],
      ['create', 'core', 'bindings pods/binding'],
      ['patch update', 'core', 'pods/status'],
      [READ, 'core', 'replicationcontrollers services'],
      [READ, 'apps extensions', 'replicasets'],
      [READ, 'apps', 'statefulsets'],
      [READ, 'policy', 'poddisruptionbudgets'],
      [READ, 'core', 'persistentvolumeclaims persistentvolumes'],
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
      [READ, 'storage.k8s.io', 'csinodes'],
      [READ, 'core', 'namespaces'],
      [READ, 'storage.k8s.io', 'csidrivers'],
      [READ, 'storage.k8s.io', 'csistoragecapacities'],
    ],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [
      [READ, 'core', 'nodes'],
      ['proxy', 'core', 'nodes'],
      ['*', 'core', 'nodes/log nodes/metrics nodes/proxy nodes/stats'],
    ],
  },
  {
    name: 'system:monitoring',
    rules: [{ verbs: 'get', urls: '/healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*' }],
  },
  {
    name: 'system:node',
    rules: [
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'localsubjectaccessreviews subjectaccessreviews'],
      [READ, 'core', 'services'],
      ['create get list watch', 'core', 'nodes'],
      ['patch update', 'core', 'nodes/status'],
      ['patch update', 'core', 'nodes'],
      ['create patch update', 'core', 'events'],
      [READ, 'core', 'pods'],
      ['create delete', 'core', 'pods'],
      ['patch update', 'core', 'pods/status'],
      ['create', 'core', 'pods/eviction'],
      [READ, 'core', 'configmaps secrets'],
      ['get', 'core', 'persistentvolumeclaims persistentvolumes'],
      ['get', 'core', 'endpoints'],
      ['create get list watch', 'certificates.k8s.io', 'certificatesigningrequests'],
      ['create delete get patch update', 'coordination.k8s.io', 'leases'],
      ['get', 'storage.k8s.io', 'volumeattachments'],
      ['create', 'core', 'serviceaccounts/token'],
      ['get patch update', 'core', 'persistentvolumeclaims/status'],
      [READ, 'storage.k8s.io', 'csidrivers'],
      ['create delete get patch update', 'storage.k8s.io', 'csinodes'],
      [READ, 'node.k8s.io', 'runtimeclasses'],
    ],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [['create get list watch', 'certificates.k8s.io', 'certificatesigningrequests']],
  },
  {
    name: 'system:node-problem-detector',
    rules: [['get', 'core', 'nodes'], ['patch', 'core', 'nodes/status'], EVENTS],
  },
  {
    name: 'system:node-proxier',
    rules: [
      ['list watch', 'core', 'endpoints services'],
      [READ, 'core', 'nodes'],
      EVENTS,
      ['list watch', 'discovery.k8s.io', 'endpointslices'],
    ],
  },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      ['create delete get list watch', 'core', 'persistentvolumes'],
      ['get list update watch', 'core', 'persistentvolumeclaims'],
      [READ, 'storage.k8s.io', 'storageclasses'],
      ['watch', 'core', 'events'],
      EVENTS,
    ],
  },
  {
    name: 'system:public-info-viewer',
    rules: [{ verbs: 'get', urls: '/healthz /livez /readyz /version /version/' }],
  },
  {
    name: 'system:service-account-issuer-discovery',
    rules: [{ verbs: 'get', urls: '/.well-known/openid-configuration /openid/v1/jwks' }],
  },
  {
    name: 'system:volume-scheduler',
    rules: [
      ['get list patch update watch', 'core', 'persistentvolumes'],
      [READ, 'storage.k8s.io', 'storageclasses'],
      ['get list patch update watch', 'core', 'persistentvolumeclaims'],
    ],
  },
  { name: 'view', labels: { [`${AGG}edit`]: 'true' }, aggregateFrom: `${AGG}view`, rules: [] },
];

export const CLUSTER_ROLE_BINDINGS: BindingFact[] = [
  { name: 'cluster-admin', roleRef: 'ClusterRole:cluster-admin', subjects: ['Group:system:masters'] },
  { name: 'system:basic-user', roleRef: 'ClusterRole:system:basic-user', subjects: ['Group:system:authenticated'] },
  { name: 'system:discovery', roleRef: 'ClusterRole:system:discovery', subjects: ['Group:system:authenticated'] },
  {
    name: 'system:kube-controller-manager',
    roleRef: 'ClusterRole:system:kube-controller-manager',
    subjects: ['User:system:kube-controller-manager'],
  },
  {
    name: 'system:kube-dns',
    roleRef: 'ClusterRole:system:kube-dns',
    subjects: ['ServiceAccount:kube-system/kube-dns'],
  },
  {
    name: 'system:kube-scheduler',
    roleRef: 'ClusterRole:system:kube-scheduler',
    subjects: ['User:system:kube-scheduler'],
  },
  { name: 'system:monitoring', roleRef: 'ClusterRole:system:monitoring', subjects: ['Group:system:monitoring'] },
  // nodes are authorized by the Node authorizer; the binding stays, empty, for clusters that fill it in
  { name: 'system:node', roleRef: 'ClusterRole:system:node', subjects: [] },
  { name: 'system:node-proxier', roleRef: 'ClusterRole:system:node-proxier', subjects: ['User:system:kube-proxy'] },
  {
    name: 'system:public-info-viewer',
    roleRef: 'ClusterRole:system:public-info-viewer',
    subjects: ['Group:system:authenticated', 'Group:system:unauthenticated'],
  },
  {
    name: 'system:service-account-issuer-discovery',
    roleRef: 'ClusterRole:system:service-account-issuer-discovery',
    subjects: ['Group:system:serviceaccounts'],
  },
  {
    name: 'system:volume-scheduler',
    roleRef: 'ClusterRole:system:volume-scheduler',
    subjects: ['User:system:kube-scheduler'],
  },
];

/** Controller roles: `system:controller:<name>`, each bound to the kube-system service account <name>. */
export const CONTROLLER_ROLES: ClusterRoleFact[] = [
  {
    name: 'attachdetach-controller',
    rules: [
      ['list watch', 'core', 'persistentvolumeclaims persistentvolumes'],
      [READ, 'core', 'nodes'],
      ['patch update', 'core', 'nodes/status'],
      ['list watch', 'core', 'pods'],
      EVENTS,
      ['create delete get list watch', 'storage.k8s.io', 'volumeattachments'],
      [READ, 'storage.k8s.io', 'csidrivers'],
      [READ, 'storage.k8s.io', 'csinodes'],
    ],
  },
  {
    name: 'certificate-controller',
    rules: [
      ['delete get list watch', 'certificates.k8s.io', 'certificatesigningrequests'],
      ['update', 'certificates.k8s.io', 'certificatesigningrequests/approval certificatesigningrequests/status'],
      ['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet'],
      [
        'sign',
        'certificates.k8s.io',
        'signers',
        'kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving kubernetes.io/legacy-unknown',
      ],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
      EVENTS,
    ],
  },
  {
    name: 'clusterrole-aggregation-controller',
    rules: [['escalate get list patch update watch', 'rbac.authorization.k8s.io', 'clusterroles']],
  },
  {
    name: 'cronjob-controller',
    rules: [
      ['get list update watch', 'batch', 'cronjobs'],
      ['create delete get list patch update watch', 'batch', 'jobs'],
      ['update', 'batch', 'cronjobs/status'],
      ['update', 'batch', 'cronjobs/finalizers'],
      ['delete list watch', 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'daemon-set-controller',
    rules: [
      [READ, 'apps extensions', 'daemonsets'],
      ['update', 'apps extensions', 'daemonsets/status'],
      ['update', 'apps extensions', 'daemonsets/finalizers'],
      ['list watch', 'core', 'nodes'],
      ['create delete list patch watch', 'core', 'pods'],
      ['create', 'core', 'pods/binding'],
      ['create delete get list patch update watch', 'apps', 'controllerrevisions'],
      EVENTS,
    ],
  },
  {
    name: 'deployment-controller',
    rules: [
      ['get list update watch', 'apps extensions', 'deployments'],
      ['update', 'apps extensions', 'deployments/status'],
      ['update', 'apps extensions', 'deployments/finalizers'],
      ['create delete get list patch update watch', 'apps extensions', 'replicasets'],
      ['get list update watch', 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'disruption-controller',
    rules: [
      [READ, 'apps extensions', 'deployments'],
      [READ, 'apps extensions', 'replicasets'],
      [READ, 'core', 'replicationcontrollers'],
      [READ, 'policy', 'poddisruptionbudgets'],
      [READ, 'apps', 'statefulsets'],
      ['update', 'policy', 'poddisruptionbudgets/status'],
      ['patch update', 'core', 'pods/status'],
      ['get', '*', '*/scale'],
      EVENTS,
    ],
  },
  {
    name: 'endpoint-controller',
    rules: [
      [READ, 'core', 'pods services'],
      ['create delete get list update watch', 'core', 'endpoints'],
      ['create', 'core', 'endpoints/restricted'],
      EVENTS,
    ],
  },
  {
    name: 'endpointslice-controller',
    rules: [
      [READ, 'core', 'nodes pods services'],
      ['update', 'core', 'services/finalizers'],
      ['create delete get list update watch', 'discovery.k8s.io', 'endpointslices'],
      EVENTS,
    ],
  },
  {
    name: 'endpointslicemirroring-controller',
    rules: [
      [READ, 'core', 'endpoints services'],
      ['update', 'core', 'services/finalizers'],
      ['update', 'core', 'endpoints/finalizers'],
      ['create delete get list update watch', 'discovery.k8s.io', 'endpointslices'],
      EVENTS,
    ],
  },
  {
    name: 'ephemeral-volume-controller',
    rules: [
      [READ, 'core', 'pods'],
      ['update', 'core', 'pods/finalizers'],
      ['create get list watch', 'core', 'persistentvolumeclaims'],
      EVENTS,
    ],
  },
  {
    name: 'expand-controller',
    rules: [
      ['get list patch update watch', 'core', 'persistentvolumes'],
      ['patch update', 'core', 'persistentvolumeclaims/status'],
      [READ, 'core', 'persistentvolumeclaims'],
      EVENTS,
    ],
  },
  {
    name: 'generic-garbage-collector',
    rules: [['delete get list patch update watch', '*', '*'], EVENTS],
  },
  {
    name: 'horizontal-pod-autoscaler',
    rules: [
      [READ, 'autoscaling', 'horizontalpodautoscalers'],
      ['update', 'autoscaling', 'horizontalpodautoscalers/status'],
      ['get update', '*', '*/scale'],
      ['list watch', 'core', 'pods'],
      ['list watch', 'metrics.k8s.io', 'pods'],
      [READ, 'custom.metrics.k8s.io', '*'],
      [READ, 'external.metrics.k8s.io', '*'],
      EVENTS,
    ],
  },
  {
    name: 'job-controller',
    rules: [
      ['get list patch update watch', 'batch', 'jobs'],
      ['update', 'batch', 'jobs/status'],
      ['update', 'batch', 'jobs/finalizers'],
      ['create delete list patch watch', 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'legacy-service-account-token-cleaner',
    rules: [
      ['get', 'core', 'configmaps', 'kube-apiserver-legacy-service-account-token-tracking'],
      ['delete patch', 'core', 'secrets'],
    ],
  },
  {
    name: 'namespace-controller',
    rules: [
      ['delete get list watch', 'core', 'namespaces'],
      ['update', 'core', 'namespaces/finalize namespaces/status'],
      ['delete deletecollection get list watch', '*', '*'],
    ],
  },
  {
    name: 'node-controller',
    rules: [
      ['delete get list patch update watch', 'core', 'nodes'],
      ['patch update', 'core', 'nodes/status'],
      ['patch update', 'core', 'pods/status'],
      ['delete get list watch', 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'persistent-volume-binder',
    rules: [
      ['create delete get list update watch', 'core', 'persistentvolumes'],
      ['update', 'core', 'persistentvolumes/status'],
      ['get list update watch', 'core', 'persistentvolumeclaims'],
      ['update', 'core', 'persistentvolumeclaims/status'],
      ['create delete get list watch', 'core', 'pods'],
      [READ, 'storage.k8s.io', 'storageclasses'],
      ['list watch', 'core', 'nodes'],
      EVENTS,
      ['watch', 'core', 'events'],
    ],
  },
  {
    name: 'pod-garbage-collector',
    rules: [
      ['delete list watch', 'core', 'pods'],
      [READ, 'core', 'nodes'],
      ['patch', 'core', 'pods/status'],
    ],
  },
  {
    name: 'pv-protection-controller',
    rules: [['get list update watch', 'core', 'persistentvolumes'], EVENTS],
  },
  {
    name: 'pvc-protection-controller',
    rules: [
      ['get list update watch', 'core', 'persistentvolumeclaims'],
      ['update', 'core', 'persistentvolumeclaims/status'],
      [READ, 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'replicaset-controller',
    rules: [
      ['get list update watch', 'apps extensions', 'replicasets'],
      ['update', 'apps extensions', 'replicasets/status'],
      ['update', 'apps extensions', 'replicasets/finalizers'],
      ['create delete list patch watch', 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'replication-controller',
    rules: [
      ['get list update watch', 'core', 'replicationcontrollers'],
      ['update', 'core', 'replicationcontrollers/status'],
      ['update', 'core', 'replicationcontrollers/finalizers'],
      ['create delete list patch watch', 'core', 'pods'],
      EVENTS,
    ],
  },
  {
    name: 'resourcequota-controller',
    rules: [['list watch', '*', '*'], ['update', 'core', 'resourcequotas/status'], EVENTS],
  },
  {
    name: 'root-ca-cert-publisher',
    rules: [['create update', 'core', 'configmaps'], EVENTS],
  },
  {
    name: 'route-controller',
    rules: [['list watch', 'core', 'nodes'], ['patch', 'core', 'nodes/status'], EVENTS],
  },
  {
    name: 'service-account-controller',
    rules: [['create', 'core', 'serviceaccounts'], EVENTS],
  },
  {
    name: 'service-controller',
    rules: [
      [READ, 'core', 'services'],
      ['patch update', 'core', 'services/status'],
      ['list watch', 'core', 'nodes'],
      EVENTS,
    ],
  },
  {
    name: 'statefulset-controller',
    rules: [
      ['list watch', 'core', 'pods'],
      [READ, 'apps', 'statefulsets'],
      ['update', 'apps', 'statefulsets/status'],
      ['update', 'apps', 'statefulsets/finalizers'],
      ['create delete get patch update', 'core', 'pods'],
      ['create delete get list patch update watch', 'apps', 'controllerrevisions'],
      ['create get list watch', 'core', 'persistentvolumeclaims'],
      ['delete update', 'core', 'persistentvolumeclaims'],
      ['update', 'core', 'pods/finalizers'],
      EVENTS,
    ],
  },
  {
    name: 'ttl-after-finished-controller',
    rules: [['delete get list watch', 'batch', 'jobs'], EVENTS],
  },
  {
    name: 'ttl-controller',
    rules: [['list patch update watch', 'core', 'nodes'], EVENTS],
  },
  {
    name: 'validatingadmissionpolicy-status-controller',
    rules: [
      [READ, 'admissionregistration.k8s.io', 'validatingadmissionpolicies'],
      ['get patch update', 'admissionregistration.k8s.io', 'validatingadmissionpolicies/status'],
      EVENTS,
    ],
  },
];

export interface NamespaceRoleFact {
  namespace: string;
  name: string;
  rules: RuleFact[];
}

export const NAMESPACE_ROLES: NamespaceRoleFact[] = [
  {
    namespace: 'kube-public',
    name: 'system:controller:bootstrap-signer',
    rules: [[READ, 'core', 'configmaps'], ['update', 'core', 'configmaps', 'cluster-info'], EVENTS],
  },
  {
    namespace: 'kube-system',
    name: 'extension-apiserver-authentication-reader',
    rules: [[READ, 'core', 'configmaps', 'extension-apiserver-authentication']],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    rules: [
      ['watch', 'core', 'configmaps'],
      ['get update', 'core', 'configmaps', 'kube-controller-manager'],
      ['create get list update watch', 'coordination.k8s.io', 'leases'],
    ],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    rules: [
      ['watch', 'core', 'configmaps'],
      ['get update', 'core', 'configmaps', 'kube-scheduler'],
    ],
  },
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', rules: [[READ, 'core', 'secrets']] },
  {
    namespace: 'kube-system',
    name: 'system:controller:cloud-provider',
    rules: [['create get list watch', 'core', 'configmaps']],
  },
  {
    namespace: 'kube-system',
    name: 'system:controller:token-cleaner',
    rules: [['delete get list watch', 'core', 'secrets'], EVENTS],
  },
];

export interface NamespaceBindingFact extends BindingFact {
  namespace: string;
}

export const NAMESPACE_ROLE_BINDINGS: NamespaceBindingFact[] = [
  {
    namespace: 'kube-public',
    name: 'system:controller:bootstrap-signer',
    roleRef: 'Role:system:controller:bootstrap-signer',
    subjects: ['ServiceAccount:kube-system/bootstrap-signer'],
  },
  {
    namespace: 'kube-system',
    name: 'system::extension-apiserver-authentication-reader',
    roleRef: 'Role:extension-apiserver-authentication-reader',
    subjects: ['User:system:kube-controller-manager', 'User:system:kube-scheduler'],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    roleRef: 'Role:system::leader-locking-kube-controller-manager',
    subjects: [
      'User:system:kube-controller-manager',
      'ServiceAccount:kube-system/kube-controller-manager',
      'ServiceAccount:kube-system/leader-election-controller',
    ],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    roleRef: 'Role:system::leader-locking-kube-scheduler',
    subjects: ['User:system:kube-scheduler', 'ServiceAccount:kube-system/kube-scheduler'],
  },
  {
    namespace: 'kube-system',
    name: 'system:controller:bootstrap-signer',
    roleRef: 'Role:system:controller:bootstrap-signer',
    subjects: ['ServiceAccount:kube-system/bootstrap-signer'],
  },
  {
    namespace: 'kube-system',
    name: 'system:controller:cloud-provider',
    roleRef: 'Role:system:controller:cloud-provider',
    subjects: ['ServiceAccount:kube-system/cloud-provider'],
  },
  {
    namespace: 'kube-system',
    name: 'system:controller:token-cleaner',
    roleRef: 'Role:system:controller:token-cleaner',
    subjects: ['ServiceAccount:kube-system/token-cleaner'],
  },
];
