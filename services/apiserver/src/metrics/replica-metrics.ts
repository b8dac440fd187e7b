import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import {
  ADMISSION_BUCKETS,
  AUTHENTICATION_BUCKETS,
  REQUEST_DURATION_BUCKETS,
  RESPONSE_SIZE_BUCKETS,
  WATCH_EVENT_SIZE_BUCKETS,
  WEBHOOK_BUCKETS,
} from './buckets';
import { CounterFamily, GaugeFamily, HistogramFamily, type CollectableMetric } from './series';

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'];
const GVR_LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'];

/**
 * Every metric one replica exposes on /metrics, in its own registry: several
 * replicas in one process (tests, the embeddable server) never share a series.
 * Names, types, labels and buckets are kube-apiserver 1.32's.
 */
export class ReplicaMetrics {
  readonly registry = new Registry();

  readonly requestTotal = this.add(
    new CounterFamily(
      'apiserver_request_total',
      'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      [...REQUEST_LABELS, 'code'],
    ),
  );
  readonly requestDuration = this.add(
    new HistogramFamily(
      'apiserver_request_duration_seconds',
      'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      REQUEST_LABELS,
      REQUEST_DURATION_BUCKETS,
    ),
  );
  readonly responseSizes = this.add(
    new HistogramFamily(
      'apiserver_response_sizes',
      'Response size distribution in bytes for each group, version, verb, resource, subresource, scope and component.',
      GVR_LABELS,
      RESPONSE_SIZE_BUCKETS,
    ),
  );
  readonly longRunning = this.add(
    new GaugeFamily(
      'apiserver_longrunning_requests',
      'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      GVR_LABELS,
    ),
  );
  readonly currentInflight: GaugeFamily = this.add(
    new GaugeFamily(
      'apiserver_current_inflight_requests',
      'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
      ['request_kind'],
      () => this.onInflightScrape?.(),
    ),
  );
  /** Set by the request recorder: brings the in-flight gauges to the last second's high-water marks. */
  onInflightScrape?: () => void;

  readonly watchEvents = this.add(
    new CounterFamily('apiserver_watch_events_total', 'Number of events sent in watch clients', [
      'group',
      'version',
      'kind',
    ]),
  );
  readonly watchEventSizes = this.add(
    new HistogramFamily(
      'apiserver_watch_events_sizes',
      'Watch event size distribution in bytes',
      ['group', 'version', 'kind'],
      WATCH_EVENT_SIZE_BUCKETS,
    ),
  );

  readonly etcdRequestDuration = this.add(
    new HistogramFamily(
      'etcd_request_duration_seconds',
      'Etcd request latency in seconds for each operation and object type.',
      ['operation', 'type'],
      REQUEST_DURATION_BUCKETS,
    ),
  );
  readonly etcdRequests = this.add(
    new CounterFamily('etcd_requests_total', 'Etcd request counts for each operation and object type.', [
      'operation',
      'type',
    ]),
  );
  readonly etcdRequestErrors = this.add(
    new CounterFamily('etcd_request_errors_total', 'Etcd failed request counts for each operation and object type.', [
      'operation',
      'type',
    ]),
  );

  readonly admissionStep = this.add(
    new HistogramFamily(
      'apiserver_admission_step_admission_duration_seconds',
      'Admission sub-step latency histogram in seconds, broken out for each operation and API resource and step type (validate or admit).',
      ['type', 'operation', 'rejected'],
      ADMISSION_BUCKETS,
    ),
  );
  readonly admissionController = this.add(
    new HistogramFamily(
      'apiserver_admission_controller_admission_duration_seconds',
      'Admission controller latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
      ['name', 'type', 'operation', 'rejected'],
      ADMISSION_BUCKETS,
    ),
  );
  readonly admissionWebhook = this.add(
    new HistogramFamily(
      'apiserver_admission_webhook_admission_duration_seconds',
      'Admission webhook latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
      ['name', 'type', 'operation', 'rejected'],
      WEBHOOK_BUCKETS,
    ),
  );
  readonly admissionWebhookRequests = this.add(
    new CounterFamily(
      'apiserver_admission_webhook_request_total',
      'Admission webhook request total, identified by name and broken out for each admission type (validating or mutating) and operation. Additional labels specify whether the request was rejected or not and an HTTP status code. Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
      ['name', 'type', 'operation', 'code', 'rejected'],
    ),
  );

  readonly authenticatedUserRequests = this.add(
    new CounterFamily('authenticated_user_requests', 'Counter of authenticated requests broken out by username.', [
      'username',
    ]),
  );
  readonly authenticationAttempts = this.add(
    new CounterFamily('authentication_attempts', 'Counter of authenticated attempts.', ['result']),
  );
  readonly authenticationDuration = this.add(
    new HistogramFamily(
      'authentication_duration_seconds',
      'Authentication duration in seconds broken out by result.',
      ['result'],
      AUTHENTICATION_BUCKETS,
    ),
  );
  readonly authorizationDecisions = this.add(
    new CounterFamily(
      'apiserver_authorization_decisions_total',
      'Total number of terminal decisions made by an authorizer split by authorizer type, name, and decision.',
      ['type', 'name', 'decision'],
    ),
  );

  readonly auditEvents = this.add(
    new CounterFamily(
      'apiserver_audit_event_total',
      'Counter of audit events generated and sent to the audit backend.',
      [],
    ),
  );
  readonly auditLevels = this.add(
    new CounterFamily('apiserver_audit_level_total', 'Counter of policy levels for audit events (1 per request).', [
      'level',
    ]),
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Registers a family made elsewhere (storage's scrape-time families). */
  add<T extends CollectableMetric>(metric: T): T {
    // prom-client's registry reads any object of this shape; its typings only name its own classes
    this.registry.registerMetric(metric as unknown as Metric);
    return metric;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The audit filter's hook: one call per audit event it emits, with the policy level it applied. */
  observeAuditEvent(level: string): void {
    this.auditEvents.with().value++;
    this.auditLevels.with(level).value++;
  }
}
