import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerEnabled } from '../src/controllers/selection';
import { formatHelp, parseOptions, type ServerOptions } from '../src/options';
import { firstServiceIP, parseGoDuration } from '../src/options-values';
import { enabledPluginNames } from '../src/admission/chain';

function parse(argv: string[]): ServerOptions {
  const result = parseOptions(argv);
  assert.ok(!('help' in result), 'expected options, got help');
  return result as ServerOptions;
}

describe('parseOptions', () => {
  test('defaults match the documented kube-apiserver-style defaults', () => {
    assert.deepEqual(parse([]), {
      dataDir: '.kapi',
      securePort: 6443,
      bindAddress: '127.0.0.1',
      advertiseAddress: '127.0.0.1',
      storageBackend: 'embedded',
      storageMediaType: 'application/vnd.kubernetes.protobuf',
      etcdServers: [],
      etcdPrefix: '/registry',
      serviceClusterIPRange: '10.96.0.0/12',
      etcdCompactionIntervalMs: 300_000,
      defaultWatchCacheSize: 100,
      serviceNodePortRange: '30000-32767',
      endpointReconcilerType: 'lease',
      goawayChance: 0,
      enablePriorityAndFairness: true,
      maxRequestsInflight: 400,
      maxMutatingRequestsInflight: 200,
      requestTimeoutMs: 60_000,
      tlsCertFile: '',
      tlsPrivateKeyFile: '',
      clientCaFile: '',
      certDir: '.kapi/pki',
      identityLeaseDurationSeconds: 3600,
      identityLeaseRenewIntervalSeconds: 10,
      shutdownDelayDurationMs: 0,
      allowPrivileged: false,
      anonymousAuth: true,
      authorizationModes: ['RBAC'],
      controllers: ['*'],
      enableAdmissionPlugins: [],
      disableAdmissionPlugins: [],
      admissionControlConfigFile: '',
      defaultNotReadyTolerationSeconds: 300,
      defaultUnreachableTolerationSeconds: 300,
      encryptionProviderConfig: '',
      tracingConfigFile: '',
      tokenAuthFile: '',
      serviceAccountKeyFiles: [],
      serviceAccountSigningKeyFile: '',
      serviceAccountIssuers: ['https://kubernetes.default.svc.cluster.local'],
      apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
      serviceAccountMaxTokenExpirationSeconds: 0,
      authenticationConfig: '',
      logging: { format: 'text', verbosity: 0, vmodule: [] },
      audit: {
        policyFile: '',
        logPath: '',
        logMaxAgeDays: 0,
        logMaxBackups: 0,
        logMaxSizeMB: 0,
        logFormat: 'json',
        logCompress: false,
        webhookConfigFile: '',
        webhookInitialBackoffMs: 10_000,
        webhookMode: 'batch',
        webhookBatchBufferSize: 10_000,
        webhookBatchMaxSize: 400,
        webhookBatchMaxWaitMs: 30_000,
        logMode: 'blocking',
        logBatchBufferSize: 10_000,
        logBatchMaxSize: 1,
        logBatchMaxWaitMs: 0,
        logBatchThrottle: { enabled: false, qps: 0, burst: 0 },
        webhookBatchThrottle: { enabled: true, qps: 10, burst: 15 },
        logTruncate: { enabled: false, maxEventSize: 102_400, maxBatchSize: 10_485_760 },
        webhookTruncate: { enabled: false, maxEventSize: 102_400, maxBatchSize: 10_485_760 },
      },
      requestHeader: {
        clientCaFile: '',
        allowedNames: [],
        usernameHeaders: [],
        uidHeaders: [],
        groupHeaders: [],
        extraHeadersPrefix: [],
      },
      proxyClientCertFile: '',
      proxyClientKeyFile: '',
      kubelet: {
        certificateAuthority: '',
        clientCertificate: '',
        clientKey: '',
        preferredAddressTypes: ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'],
      },
    });
  });

  test('authentication and authorization flags as kube-apiserver spells them', () => {
    const o = parse([
      '--anonymous-auth=false',
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://a',
      '--service-account-issuer=https://b',
      '--service-account-key-file=/k1',
      '--service-account-key-file=/k2',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers',
      'X-Remote-Group',
    ]);
    assert.equal(o.anonymousAuth, false);
    assert.deepEqual(o.authorizationModes, ['Node', 'RBAC']);
    assert.deepEqual(o.serviceAccountIssuers, ['https://a', 'https://b']);
    assert.deepEqual(o.apiAudiences, ['https://a', 'https://b']);
    assert.deepEqual(o.serviceAccountKeyFiles, ['/k1', '/k2']);
    assert.deepEqual(o.requestHeader.usernameHeaders, ['X-Remote-User']);
    assert.deepEqual(o.requestHeader.groupHeaders, ['X-Remote-Group']);
    assert.equal(parse(['--anonymous-auth']).anonymousAuth, true);
    assert.throws(() => parse(['--authorization-mode=ABAC']), /authorization-mode/);
    assert.throws(() => parse(['--anonymous-auth=maybe']), /anonymous-auth/);
  });

  test('audit flags as kube-apiserver spells them, validated with the flag named', () => {
    const o = parse([
      '--audit-policy-file=/p.yaml',
      '--audit-log-path=-',
      '--audit-log-maxsize=5',
      '--audit-log-maxbackup=2',
      '--audit-log-maxage=7',
      '--audit-log-format=legacy',
      '--audit-webhook-config-file=/w.kubeconfig',
      '--audit-webhook-batch-max-wait=1s',
      '--audit-webhook-initial-backoff=100ms',
    ]);
    assert.equal(o.audit.policyFile, '/p.yaml');
    assert.equal(o.audit.logPath, '-');
    assert.equal(o.audit.logMaxSizeMB, 5);
    assert.equal(o.audit.logMaxBackups, 2);
    assert.equal(o.audit.logMaxAgeDays, 7);
    assert.equal(o.audit.logFormat, 'legacy');
    assert.equal(o.audit.webhookConfigFile, '/w.kubeconfig');
    assert.equal(o.audit.webhookBatchMaxWaitMs, 1000);
    assert.equal(o.audit.webhookInitialBackoffMs, 100);
    assert.throws(() => parse(['--audit-log-maxsize=-1']), /--audit-log-maxsize -1 can't be a negative number/);
    assert.throws(() => parse(['--audit-log-format=xml']), /audit-log-format/);
    assert.equal(parse(['--audit-log-compress']).audit.logCompress, true);
    assert.deepEqual(
      parse(['--audit-webhook-truncate-enabled', '--audit-webhook-truncate-max-event-size=10']).audit.webhookTruncate,
      { enabled: true, maxEventSize: 10, maxBatchSize: 10_485_760 },
    );
    assert.throws(() => parse(['--audit-log-truncate-max-event-size=0']), /should be positive/);
    assert.equal(parse(['--audit-log-mode=batch']).audit.logMode, 'batch');
    assert.throws(() => parse(['--audit-log-mode=later']), /audit-log-mode/);
    assert.throws(
      () => parse(['--audit-log-batch-throttle-enable']),
      /--audit-log-batch-throttle-qps should be positive/,
    );
    assert.deepEqual(parse(['--audit-webhook-batch-throttle-qps=2.5']).audit.webhookBatchThrottle, {
      enabled: true,
      qps: 2.5,
      burst: 15,
    });
    assert.throws(
      () => parse(['--audit-log-truncate-max-batch-size=5']),
      /--audit-log-truncate-max-event-size should not be greater than --audit-log-truncate-max-batch-size/,
    );
    assert.throws(() => parse(['--audit-log-version=audit.k8s.io/v1beta1']), /audit-log-version/);
    assert.throws(() => parse(['--audit-webhook-version=v1']), /audit-webhook-version/);
    assert.throws(() => parse(['--audit-webhook-mode=sometimes']), /audit-webhook-mode/);
  });

  test('cluster flags are validated with the flag named', () => {
    assert.throws(() => parse(['--service-node-port-range=40000-30000']), /service-node-port-range/);
    assert.throws(() => parse(['--goaway-chance=0.5']), /goaway-chance/);
    assert.throws(() => parse(['--endpoint-reconciler-type=master-count']), /endpoint-reconciler-type/);
    assert.throws(() => parse(['--tls-cert-file=/x.crt']), /tls-private-key-file/);
    assert.equal(parse(['--data-dir=/d', '--goaway-chance=0.01']).certDir, '/d/pki');
    assert.equal(parse(['--shutdown-delay-duration=1m30s']).shutdownDelayDurationMs, 90_000);
    assert.throws(() => parse(['--shutdown-delay-duration=soon']), /shutdown-delay-duration/);
    const apf = parse(['--max-requests-inflight=10', '--max-mutating-requests-inflight=0', '--request-timeout=2m']);
    assert.deepEqual(
      [apf.maxRequestsInflight, apf.maxMutatingRequestsInflight, apf.requestTimeoutMs],
      [10, 0, 120_000],
    );
    assert.equal(parse(['--enable-priority-and-fairness=false']).enablePriorityAndFairness, false);
    assert.throws(
      () => parse(['--max-requests-inflight=0', '--max-mutating-requests-inflight=0']),
      /MaxRequestsInFlight=0 and MaxMutatingRequestsInFlight=0; they must add up to something positive/,
    );
    assert.equal(
      parse(['--enable-priority-and-fairness=false', '--max-requests-inflight=0', '--max-mutating-requests-inflight=0'])
        .maxRequestsInflight,
      0,
    );
    assert.throws(() => parse(['--max-requests-inflight=-1']), /max-requests-inflight/);
  });

  test('accepts --flag=value and --flag value forms', () => {
    const opts = parse([
      '--data-dir=/var/lib/kapi',
      '--secure-port',
      '0',
      '--bind-address=0.0.0.0',
      '--storage-backend',
      'etcd3',
      '--etcd-servers=http://127.0.0.1:2379, http://127.0.0.2:2379',
      '--etcd-prefix',
      '/kapi',
      '--service-cluster-ip-range=10.0.0.0/16',
      '--etcd-compaction-interval',
      '1h30m',
      '--default-watch-cache-size=0',
    ]);
    assert.equal(opts.dataDir, '/var/lib/kapi');
    assert.equal(opts.securePort, 0);
    assert.equal(opts.bindAddress, '0.0.0.0');
    assert.equal(opts.storageBackend, 'etcd3');
    assert.deepEqual(opts.etcdServers, ['http://127.0.0.1:2379', 'http://127.0.0.2:2379']);
    assert.equal(opts.etcdPrefix, '/kapi');
    assert.equal(opts.serviceClusterIPRange, '10.0.0.0/16');
    assert.equal(opts.etcdCompactionIntervalMs, 5_400_000);
    assert.equal(opts.defaultWatchCacheSize, 0);
  });

  test('advertise address follows the bind address unless it is unspecified', () => {
    assert.equal(parse(['--bind-address=10.1.2.3']).advertiseAddress, '10.1.2.3');
    assert.equal(parse(['--bind-address=0.0.0.0']).advertiseAddress, '127.0.0.1');
    assert.equal(parse(['--bind-address=::']).advertiseAddress, '127.0.0.1');
    assert.equal(
      parse(['--bind-address=0.0.0.0', '--advertise-address', '192.168.1.5']).advertiseAddress,
      '192.168.1.5',
    );
  });

  test('--help and -h ask for help', () => {
    assert.deepEqual(parseOptions(['--help']), { help: true });
    assert.deepEqual(parseOptions(['-h']), { help: true });
  });

  const invalidCases: Array<[string[], RegExp]> = [
    [['--secure-port=70000'], /--secure-port.*between 0 and 65535/],
    [['--secure-port=abc'], /--secure-port.*integer/],
    [['--bind-address=localhost'], /--bind-address.*IP address/],
    [['--advertise-address=0.0.0.0'], /--advertise-address/],
    [['--storage-backend=etcd2'], /--storage-backend.*'embedded', 'etcd3'/],
    [['--storage-backend=etcd3'], /--etcd-servers must be specified/],
    [['--etcd-servers=127.0.0.1:2379'], /--etcd-servers/],
    [['--service-cluster-ip-range=10.96.0.0'], /--service-cluster-ip-range.*invalid CIDR/],
    [['--service-cluster-ip-range=10.0.0.0/8'], /--service-cluster-ip-range.*too large/],
    [['--etcd-compaction-interval=5'], /--etcd-compaction-interval.*missing unit/],
    [['--etcd-compaction-interval=-5m'], /--etcd-compaction-interval.*negative/],
    [['--default-watch-cache-size=-1'], /--default-watch-cache-size/],
    [['--no-such-flag'], /unknown flag: --no-such-flag/],
    [['--data-dir'], /--data-dir/],
    [['stray'], /unexpected argument: stray/],
  ];
  for (const [argv, message] of invalidCases) {
    test(`rejects ${argv.join(' ')}`, () => {
      assert.throws(() => parseOptions(argv), message);
    });
  }
});

describe('formatHelp', () => {
  test('lists every flag with its default', () => {
    const help = formatHelp();
    for (const flag of [
      '--data-dir',
      '--secure-port',
      '--bind-address',
      '--advertise-address',
      '--storage-backend',
      '--etcd-servers',
      '--etcd-prefix',
      '--service-cluster-ip-range',
      '--etcd-compaction-interval',
      '--default-watch-cache-size',
      '--help',
    ]) {
      assert.ok(help.includes(flag), `help lacks ${flag}`);
    }
    assert.match(help, /--secure-port int +.*\(default 6443\)/);
    assert.match(help, /--etcd-compaction-interval duration +.*\(default 5m0s\)/);
    assert.match(help, /--data-dir string +.*\(default "\.kapi"\)/);
    assert.match(help, /--service-cluster-ip-range string +.*\(default "10\.96\.0\.0\/12"\)/);
    assert.match(help, /--storage-backend string +.*\(default "embedded"\)/);
  });
});

describe('firstServiceIP', () => {
  test('is the network address plus one', () => {
    assert.equal(firstServiceIP('10.96.0.0/12'), '10.96.0.1');
    assert.equal(firstServiceIP('10.96.5.7/12'), '10.96.0.1');
    assert.equal(firstServiceIP('172.16.255.0/24'), '172.16.255.1');
    assert.equal(firstServiceIP('fd00:10:96::/112'), 'fd00:10:96::1');
    assert.equal(firstServiceIP('10.0.0.0/16,fd00::/108'), '10.0.0.1');
  });
  test('rejects malformed, oversized and tiny ranges', () => {
    assert.throws(() => firstServiceIP('10.96.0.0'), /invalid CIDR/);
    assert.throws(() => firstServiceIP('10.96.0.0/33'), /exceeds 32/);
    assert.throws(() => firstServiceIP('300.1.1.1/24'), /invalid IP/);
    assert.throws(() => firstServiceIP('10.0.0.0/11'), /too large/);
    assert.throws(() => firstServiceIP('fd00::/64'), /too large/);
    assert.throws(() => firstServiceIP('10.0.0.1/32'), /too small/);
  });
});

describe('parseGoDuration', () => {
  test('parses Go duration strings into milliseconds', () => {
    assert.equal(parseGoDuration('5m'), 300_000);
    assert.equal(parseGoDuration('5m0s'), 300_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('2us'), 0.002);
    assert.equal(parseGoDuration('-2ms'), -2);
    assert.equal(parseGoDuration('0'), 0);
  });
  test('rejects strings Go would reject', () => {
    for (const bad of ['', '5', '5x', 'm', '1h 30m', '--1s', '.s']) {
      assert.throws(() => parseGoDuration(bad), /duration/, bad);
    }
  });
});

describe('admission plugin flags', () => {
  test('the default set runs in upstream order; enable and disable adjust it', () => {
    const names = enabledPluginNames([], []);
    assert.equal(names[0], 'NamespaceLifecycle');
    assert.equal(names.at(-1), 'ResourceQuota');
    assert.ok(!names.includes('NodeRestriction'));
    const adjusted = enabledPluginNames(['NodeRestriction', 'AlwaysPullImages'], ['LimitRanger']);
    assert.ok(!adjusted.includes('LimitRanger'));
    // flag order does not matter: upstream's order does
    assert.ok(adjusted.indexOf('AlwaysPullImages') < adjusted.indexOf('NodeRestriction'));
    assert.ok(adjusted.indexOf('NodeRestriction') < adjusted.indexOf('TaintNodesByCondition'));
  });

  test('an unknown plugin name is refused at start', () => {
    assert.throws(
      () => parseOptions(['--enable-admission-plugins=NamespaceLifecycle,NoSuchPlugin']),
      /admission-control plugin "NoSuchPlugin" is unknown/,
    );
    const o = parse(['--disable-admission-plugins', 'PodSecurity,ResourceQuota']);
    assert.deepEqual(o.disableAdmissionPlugins, ['PodSecurity', 'ResourceQuota']);
  });

  test('--controllers as kube-controller-manager spells it: *, names, -names', () => {
    assert.equal(controllerEnabled(parse([]).controllers, 'resourcequota'), true);
    const off = parse(['--controllers=*,-resourcequota']).controllers;
    assert.equal(controllerEnabled(off, 'resourcequota'), false);
    assert.equal(controllerEnabled(off, 'namespace'), true);
    const only = parse(['--controllers', 'namespace']).controllers;
    assert.equal(controllerEnabled(only, 'namespace'), true);
    assert.equal(controllerEnabled(only, 'garbage-collector'), false);
    assert.throws(() => parseOptions(['--controllers=*,-nope']), /"nope" is not in the list of known controllers/);
  });
});
