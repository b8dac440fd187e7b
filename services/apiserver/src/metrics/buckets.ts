import { exponentialBuckets } from './series';

/** Upstream's request and etcd latency buckets (SLO-oriented, 5 ms to 60 s). */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];

/** apiserver_response_sizes: 1 KB to 1 GB by powers of ten. */
export const RESPONSE_SIZE_BUCKETS: readonly number[] = exponentialBuckets(1000, 10, 7);

/** apiserver_watch_events_sizes: 1 KiB to 128 KiB by doubling. */
export const WATCH_EVENT_SIZE_BUCKETS: readonly number[] = exponentialBuckets(1024, 2, 8);

/** Admission step and controller latencies. */
export const ADMISSION_BUCKETS: readonly number[] = [0.005, 0.025, 0.1, 0.5, 1.0, 2.5];

/** Admission webhooks time out at 30 s by default, so their buckets reach further. */
export const WEBHOOK_BUCKETS: readonly number[] = [0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10, 25];

/** authentication_duration_seconds: 1 ms doubling fifteen times. */
export const AUTHENTICATION_BUCKETS: readonly number[] = exponentialBuckets(0.001, 2, 15);
