import type { AdmissionObserver } from '../admission/chain';
import type { WebhookObserver } from '../admission/webhook/invoke';
import type { ReplicaMetrics } from './replica-metrics';
import type { HistogramSeries } from './series';

/** apiserver_admission_step_* and apiserver_admission_controller_* from the chain's timings. */
export function admissionObserver(metrics: ReplicaMetrics): AdmissionObserver {
  const steps = new Map<string, HistogramSeries>();
  const controllers = new Map<string, HistogramSeries>();
  return {
    step(type, operation, rejected, seconds) {
      const key = `${type}|${operation}|${rejected}`;
      let s = steps.get(key);
      if (!s) {
        s = metrics.admissionStep.with(type, operation, String(rejected));
        steps.set(key, s);
      }
      s.observe(seconds);
    },
    controller(name, type, operation, rejected, seconds) {
      const key = `${name}|${type}|${operation}|${rejected}`;
      let s = controllers.get(key);
      if (!s) {
        s = metrics.admissionController.with(name, type, operation, String(rejected));
        controllers.set(key, s);
      }
      s.observe(seconds);
    },
  };
}

/** apiserver_admission_webhook_admission_duration_seconds and apiserver_admission_webhook_request_total. */
export function webhookObserver(metrics: ReplicaMetrics): WebhookObserver {
  return (name, type, operation, rejected, seconds, code) => {
    // codes past 600 are folded, as upstream does, to keep the series bounded
    const folded = String(Math.min(code, 600));
    metrics.admissionWebhookRequests.with(name, type, operation, folded, String(rejected)).value++;
    metrics.admissionWebhook.with(name, type, operation, String(rejected)).observe(seconds);
  };
}
