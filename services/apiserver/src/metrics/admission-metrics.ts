import type { AdmissionObserver } from '../admission/chain';
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
