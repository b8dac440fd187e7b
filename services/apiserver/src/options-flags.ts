/** The command line kapi takes: kube-apiserver's flag names, meanings and defaults where one exists. */

/** kubeadm's issuer, which in-cluster clients expect when none is configured. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  /** What help calls the value, as pflag does: string, int, duration, strings, stringArray, bool. */
  valueLabel?: 'int' | 'duration' | 'strings' | 'stringArray' | 'bool' | 'Level' | 'pattern=N,...';
  /** May be given more than once (pflag's stringArray and strings). */
  multiple?: boolean;
  defaultText: string;
  usage: string;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'advertise-address',
    type: 'string',
    defaultText: '',
    usage:
      'The IP address on which to advertise the apiserver to members of the cluster (the default/kubernetes Endpoints). Defaults to --bind-address, or 127.0.0.1 when that is unspecified (0.0.0.0 or ::).',
  },
  {
    name: 'bind-address',
    type: 'string',
    defaultText: '127.0.0.1',
    usage: 'The IP address on which to listen for the --secure-port port. 0.0.0.0 or :: listens on all interfaces.',
  },
  {
    name: 'data-dir',
    type: 'string',
    defaultText: '.kapi',
    usage: 'Directory holding the generated PKI, the admin kubeconfig and the embedded store.',
  },
  {
    name: 'default-watch-cache-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '100',
    usage: 'Default number of recent events kept per resource in the watch cache. 0 disables the watch cache.',
  },
  {
    name: 'etcd-compaction-interval',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '5m0s',
    usage: 'The interval of compaction requests (a Go duration, e.g. 5m or 1h30m). 0 disables compaction.',
  },
  {
    name: 'etcd-prefix',
    type: 'string',
    defaultText: '/registry',
    usage: 'The prefix to prepend to all resource paths in etcd.',
  },
  {
    name: 'etcd-servers',
    type: 'string',
    valueLabel: 'strings',
    defaultText: '',
    usage:
      'List of etcd servers to connect with (scheme://ip:port), comma separated. Required with --storage-backend=etcd3.',
  },
  {
    name: 'help',
    type: 'boolean',
    defaultText: '',
    usage: 'Print this help and exit.',
  },
  {
    name: 'logging-format',
    type: 'string',
    defaultText: 'text',
    usage: 'Sets the log format. Permitted formats: "json" (gated by LoggingBetaOptions), "text".',
  },
  {
    name: 'v',
    type: 'string',
    valueLabel: 'Level',
    defaultText: '',
    usage: 'number for the log level verbosity',
  },
  {
    name: 'vmodule',
    type: 'string',
    valueLabel: 'pattern=N,...',
    multiple: true,
    defaultText: '',
    usage: 'comma-separated list of pattern=N settings for file-filtered logging (only works for text log format)',
  },
  {
    name: 'secure-port',
    type: 'string',
    valueLabel: 'int',
    defaultText: '6443',
    usage: 'The port on which to serve HTTPS with authentication and authorization. 0 picks a free port.',
  },
  {
    name: 'service-cluster-ip-range',
    type: 'string',
    defaultText: '10.96.0.0/12',
    usage:
      'A CIDR notation IP range from which to assign service cluster IPs. Its first address is the ClusterIP of the default/kubernetes Service.',
  },
  {
    name: 'service-node-port-range',
    type: 'string',
    defaultText: '30000-32767',
    usage: 'A port range to reserve for services with NodePort visibility, inclusive at both ends (e.g. 30000-32767).',
  },
  {
    name: 'endpoint-reconciler-type',
    type: 'string',
    defaultText: 'lease',
    usage: 'Use an endpoint reconciler (lease, none) for the default/kubernetes Service.',
  },
  {
    name: 'goaway-chance',
    type: 'string',
    defaultText: '0',
    usage:
      'To spread long-lived HTTP/2 clients across replicas, send a GOAWAY to a request at this probability (0 to 0.02; 0 disables).',
  },
  {
    name: 'shutdown-delay-duration',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '0s',
    usage:
      'Time to keep serving after SIGTERM while /readyz reports failure, so load balancers stop sending traffic before the listener closes.',
  },
  {
    name: 'tls-cert-file',
    type: 'string',
    defaultText: '',
    usage:
      'File containing the serving certificate (CA-signed certificates after it). Without it, one is generated in --cert-dir.',
  },
  {
    name: 'tls-private-key-file',
    type: 'string',
    defaultText: '',
    usage: 'File containing the private key matching --tls-cert-file.',
  },
  {
    name: 'client-ca-file',
    type: 'string',
    defaultText: '',
    usage:
      'Client certificates signed by one of the authorities in this file are accepted; the common name is the user name.',
  },
  {
    name: 'cert-dir',
    type: 'string',
    defaultText: '<data-dir>/pki',
    usage:
      'The directory where generated TLS certificates are kept. Ignored when --tls-cert-file and --tls-private-key-file are given.',
  },
  {
    name: 'identity-lease-duration-seconds',
    type: 'string',
    valueLabel: 'int',
    defaultText: '3600',
    usage: "The duration of this replica's identity lease in kube-system.",
  },
  {
    name: 'identity-lease-renew-interval-seconds',
    type: 'string',
    valueLabel: 'int',
    defaultText: '10',
    usage: 'How often this replica renews its identity lease.',
  },
  {
    name: 'storage-media-type',
    type: 'string',
    defaultText: 'application/vnd.kubernetes.protobuf',
    usage:
      "The media type to use to store objects in storage. Options: 'application/json', 'application/vnd.kubernetes.protobuf'. Custom resources are always stored as JSON; both are always readable.",
  },
  {
    name: 'encryption-provider-config',
    type: 'string',
    defaultText: '',
    usage:
      'The file containing configuration for encryption providers to be used for storing secrets in etcd (apiserver.config.k8s.io/v1 EncryptionConfiguration).',
  },
  {
    name: 'tracing-config-file',
    type: 'string',
    defaultText: '',
    usage: 'File with apiserver tracing configuration.',
  },
  {
    name: 'storage-backend',
    type: 'string',
    defaultText: 'embedded',
    usage: "The storage backend for persistence. Options: 'embedded' (SQLite in --data-dir), 'etcd3'.",
  },
  {
    name: 'enable-priority-and-fairness',
    type: 'string',
    valueLabel: 'bool',
    defaultText: 'true',
    usage:
      'If true, replace the max-in-flight handler with an enhanced one that queues and dispatches with priority and fairness',
  },
  {
    name: 'max-requests-inflight',
    type: 'string',
    valueLabel: 'int',
    defaultText: '400',
    usage:
      "This and --max-mutating-requests-inflight are summed to determine the server's total concurrency limit (which must be positive) if --enable-priority-and-fairness is true. Otherwise, this flag limits the maximum number of non-mutating requests in flight, or a zero value disables the limit completely.",
  },
  {
    name: 'max-mutating-requests-inflight',
    type: 'string',
    valueLabel: 'int',
    defaultText: '200',
    usage:
      "This and --max-requests-inflight are summed to determine the server's total concurrency limit (which must be positive) if --enable-priority-and-fairness is true. Otherwise, this flag limits the maximum number of mutating requests in flight, or a zero value disables the limit completely.",
  },
  {
    name: 'request-timeout',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '1m0s',
    usage:
      "An optional field indicating the duration a handler must keep a request open before timing it out. A quarter of it is how long a request may wait in a priority level's queue.",
  },
  {
    name: 'allow-privileged',
    type: 'string',
    valueLabel: 'bool',
    defaultText: '',
    usage: 'If true, allow privileged containers. [default=false]',
  },
  {
    name: 'anonymous-auth',
    type: 'string',
    valueLabel: 'bool',
    defaultText: 'true',
    usage:
      'Enables anonymous requests to the secure port. Requests that are not rejected by another authentication method are treated as anonymous, with a username of system:anonymous and a group of system:unauthenticated.',
  },
  {
    name: 'authorization-mode',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '[RBAC]',
    usage: 'Ordered list of plug-ins to do authorization on the secure port: AlwaysAllow, AlwaysDeny, Node, RBAC.',
  },
  {
    name: 'controllers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '[*]',
    usage:
      "A list of controllers the elected replica runs, as kube-controller-manager's flag: '*' enables the defaults, 'foo' enables the controller named 'foo', '-foo' disables it. Known: namespace, garbage-collector, serviceaccount, root-ca-certificate-publisher, clusterrole-aggregation, resourcequota, certificatesigningrequest-signing.",
  },
  {
    name: 'enable-admission-plugins',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage:
      'admission plugins that should be enabled in addition to default enabled ones. The order of plugins in this flag does not matter.',
  },
  {
    name: 'disable-admission-plugins',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage:
      'admission plugins that should be disabled although they are in the default enabled plugins list. The order of plugins in this flag does not matter.',
  },
  {
    name: 'admission-control-config-file',
    type: 'string',
    defaultText: '',
    usage: 'File with admission control configuration.',
  },
  {
    name: 'default-not-ready-toleration-seconds',
    type: 'string',
    valueLabel: 'int',
    defaultText: '300',
    usage:
      'Indicates the tolerationSeconds of the toleration for notReady:NoExecute that is added by default to every pod that does not already have such a toleration.',
  },
  {
    name: 'default-unreachable-toleration-seconds',
    type: 'string',
    valueLabel: 'int',
    defaultText: '300',
    usage:
      'Indicates the tolerationSeconds of the toleration for unreachable:NoExecute that is added by default to every pod that does not already have such a toleration.',
  },
  {
    name: 'token-auth-file',
    type: 'string',
    defaultText: '',
    usage: 'If set, the file that will be used to secure the secure port of the API server via token authentication.',
  },
  {
    name: 'service-account-key-file',
    type: 'string',
    valueLabel: 'stringArray',
    multiple: true,
    defaultText: '',
    usage:
      'File containing PEM-encoded public RSA or ECDSA keys (or private keys) used to verify ServiceAccount tokens. May be given multiple times. Defaults to the signing key.',
  },
  {
    name: 'service-account-signing-key-file',
    type: 'string',
    defaultText: '',
    usage:
      'Path to the file that contains the current private key of the service account token issuer. Without it, one is generated in --cert-dir.',
  },
  {
    name: 'service-account-issuer',
    type: 'string',
    valueLabel: 'stringArray',
    multiple: true,
    defaultText: DEFAULT_SERVICE_ACCOUNT_ISSUER,
    usage:
      'Identifier of the service account token issuer. May be given multiple times: the first is used to sign, all are accepted.',
  },
  {
    name: 'api-audiences',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage:
      'Identifiers of the API. Tokens used against the API must be bound to at least one of these audiences. Defaults to the service account issuers.',
  },
  {
    name: 'service-account-max-token-expiration',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '0s',
    usage: 'The maximum validity duration of a token created by the service account token issuer. 0 means no maximum.',
  },
  {
    name: 'authentication-config',
    type: 'string',
    defaultText: '',
    usage: 'File with an AuthenticationConfiguration (apiserver.config.k8s.io) for JWT token authenticators.',
  },
  {
    name: 'proxy-client-cert-file',
    type: 'string',
    defaultText: '',
    usage:
      "Client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request. This includes proxying requests to a user api-server and calling out to webhook admission plugins. It is expected that this cert includes a signature from the CA in the --requestheader-client-ca-file flag. That CA is published in the 'extension-apiserver-authentication' configmap in the kube-system namespace. Components receiving calls from kube-aggregator should use that CA to perform their half of the mutual TLS verification.",
  },
  {
    name: 'proxy-client-key-file',
    type: 'string',
    defaultText: '',
    usage:
      'Private key for the client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request. This includes proxying requests to a user api-server and calling out to webhook admission plugins.',
  },
  {
    name: 'kubelet-certificate-authority',
    type: 'string',
    defaultText: '',
    usage: 'Path to a cert file for the certificate authority.',
  },
  {
    name: 'kubelet-client-certificate',
    type: 'string',
    defaultText: '',
    usage: 'Path to a client cert file for TLS.',
  },
  {
    name: 'kubelet-client-key',
    type: 'string',
    defaultText: '',
    usage: 'Path to a client key file for TLS.',
  },
  {
    name: 'kubelet-preferred-address-types',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '[Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP]',
    usage: 'List of the preferred NodeAddressTypes to use for kubelet connections.',
  },
  {
    name: 'requestheader-client-ca-file',
    type: 'string',
    defaultText: '',
    usage:
      'Root certificate bundle to verify client certificates on incoming requests before trusting usernames in headers specified by --requestheader-username-headers.',
  },
  {
    name: 'requestheader-allowed-names',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage:
      'List of client certificate common names to allow to provide usernames in headers. If empty, any is allowed.',
  },
  {
    name: 'requestheader-username-headers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request headers to inspect for usernames. X-Remote-User is common.',
  },
  {
    name: 'requestheader-uid-headers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request headers to inspect for UIDs. X-Remote-Uid is suggested.',
  },
  {
    name: 'requestheader-group-headers',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request headers to inspect for groups. X-Remote-Group is suggested.',
  },
  {
    name: 'requestheader-extra-headers-prefix',
    type: 'string',
    valueLabel: 'strings',
    multiple: true,
    defaultText: '',
    usage: 'List of request header prefixes to inspect. X-Remote-Extra- is suggested.',
  },
  {
    name: 'audit-policy-file',
    type: 'string',
    defaultText: '',
    usage: 'Path to the file that defines the audit policy configuration.',
  },
  {
    name: 'audit-log-path',
    type: 'string',
    defaultText: '',
    usage: "If set, all requests coming to the apiserver will be logged to this file.  '-' means standard out.",
  },
  {
    name: 'audit-log-maxage',
    type: 'string',
    valueLabel: 'int',
    defaultText: '0',
    usage: 'The maximum number of days to retain old audit log files based on the timestamp encoded in their filename.',
  },
  {
    name: 'audit-log-maxbackup',
    type: 'string',
    valueLabel: 'int',
    defaultText: '0',
    usage:
      "The maximum number of old audit log files to retain. Setting a value of 0 will mean there's no restriction on the number of files.",
  },
  {
    name: 'audit-log-maxsize',
    type: 'string',
    valueLabel: 'int',
    defaultText: '0',
    usage: 'The maximum size in megabytes of the audit log file before it gets rotated.',
  },
  {
    name: 'audit-log-format',
    type: 'string',
    defaultText: 'json',
    usage:
      'Format of saved audits. "legacy" indicates 1-line text format for each event. "json" indicates structured json format. Known formats are legacy,json.',
  },
  {
    name: 'audit-log-compress',
    type: 'string',
    valueLabel: 'bool',
    defaultText: '',
    usage: 'If set, the rotated log files will be compressed using gzip.',
  },
  {
    name: 'audit-log-version',
    type: 'string',
    defaultText: 'audit.k8s.io/v1',
    usage: 'API group and version used for serializing audit events written to log.',
  },
  {
    name: 'audit-webhook-version',
    type: 'string',
    defaultText: 'audit.k8s.io/v1',
    usage: 'API group and version used for serializing audit events written to webhook.',
  },
  {
    name: 'audit-log-truncate-enabled',
    type: 'string',
    valueLabel: 'bool',
    defaultText: '',
    usage: 'Whether event and batch truncating is enabled.',
  },
  {
    name: 'audit-log-truncate-max-batch-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '10485760',
    usage:
      'Maximum size of the batch sent to the underlying backend. Actual serialized size can be several hundreds of bytes greater. If a batch exceeds this limit, it is split into several batches of smaller size.',
  },
  {
    name: 'audit-log-truncate-max-event-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '102400',
    usage:
      "Maximum size of the audit event sent to the underlying backend. If the size of an event is greater than this number, first request and response are removed, and if this doesn't reduce the size enough, event is discarded.",
  },
  {
    name: 'audit-webhook-truncate-enabled',
    type: 'string',
    valueLabel: 'bool',
    defaultText: '',
    usage: 'Whether event and batch truncating is enabled.',
  },
  {
    name: 'audit-webhook-truncate-max-batch-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '10485760',
    usage:
      'Maximum size of the batch sent to the underlying backend. Actual serialized size can be several hundreds of bytes greater. If a batch exceeds this limit, it is split into several batches of smaller size.',
  },
  {
    name: 'audit-webhook-truncate-max-event-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '102400',
    usage:
      "Maximum size of the audit event sent to the underlying backend. If the size of an event is greater than this number, first request and response are removed, and if this doesn't reduce the size enough, event is discarded.",
  },
  {
    name: 'audit-log-mode',
    type: 'string',
    defaultText: 'blocking',
    usage:
      'Strategy for sending audit events. Blocking indicates sending events should block server responses. Batch causes the backend to buffer and write events asynchronously. Known modes are batch,blocking,blocking-strict.',
  },
  {
    name: 'audit-log-batch-buffer-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '10000',
    usage: 'The size of the buffer to store events before batching and writing. Only used in batch mode.',
  },
  {
    name: 'audit-log-batch-max-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '1',
    usage: 'The maximum size of a batch. Only used in batch mode.',
  },
  {
    name: 'audit-log-batch-max-wait',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '0s',
    usage:
      "The amount of time to wait before force writing the batch that hadn't reached the max size. Only used in batch mode.",
  },
  {
    name: 'audit-log-batch-throttle-enable',
    type: 'string',
    valueLabel: 'bool',
    defaultText: '',
    usage: 'Whether batching throttling is enabled. Only used in batch mode.',
  },
  {
    name: 'audit-log-batch-throttle-qps',
    type: 'string',
    defaultText: '0',
    usage: 'Maximum average number of batches per second. Only used in batch mode.',
  },
  {
    name: 'audit-log-batch-throttle-burst',
    type: 'string',
    valueLabel: 'int',
    defaultText: '0',
    usage:
      'Maximum number of requests sent at the same moment if ThrottleQPS was not utilized before. Only used in batch mode.',
  },
  {
    name: 'audit-webhook-batch-throttle-enable',
    type: 'string',
    valueLabel: 'bool',
    defaultText: 'true',
    usage: 'Whether batching throttling is enabled. Only used in batch mode.',
  },
  {
    name: 'audit-webhook-batch-throttle-qps',
    type: 'string',
    defaultText: '10',
    usage: 'Maximum average number of batches per second. Only used in batch mode.',
  },
  {
    name: 'audit-webhook-batch-throttle-burst',
    type: 'string',
    valueLabel: 'int',
    defaultText: '15',
    usage:
      'Maximum number of requests sent at the same moment if ThrottleQPS was not utilized before. Only used in batch mode.',
  },
  {
    name: 'audit-webhook-config-file',
    type: 'string',
    defaultText: '',
    usage: 'Path to a kubeconfig formatted file that defines the audit webhook configuration.',
  },
  {
    name: 'audit-webhook-initial-backoff',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '10s',
    usage: 'The amount of time to wait before retrying the first failed request.',
  },
  {
    name: 'audit-webhook-mode',
    type: 'string',
    defaultText: 'batch',
    usage:
      'Strategy for sending audit events. Blocking indicates sending events should block server responses. Batch causes the backend to buffer and write events asynchronously. Known modes are batch,blocking,blocking-strict.',
  },
  {
    name: 'audit-webhook-batch-buffer-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '10000',
    usage: 'The size of the buffer to store events before batching and writing. Only used in batch mode.',
  },
  {
    name: 'audit-webhook-batch-max-size',
    type: 'string',
    valueLabel: 'int',
    defaultText: '400',
    usage: 'The maximum size of a batch. Only used in batch mode.',
  },
  {
    name: 'audit-webhook-batch-max-wait',
    type: 'string',
    valueLabel: 'duration',
    defaultText: '30s',
    usage:
      "The amount of time to wait before force writing the batch that hadn't reached the max size. Only used in batch mode.",
  },
];
