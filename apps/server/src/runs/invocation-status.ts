/** What a timed invocation does with a fire time it missed by more than the grace period. */
export type MisfirePolicy = 'FireOnceNow' | 'Skip';

/** Overall status of an invocation. */
export const INVOCATION_STATUSES = ['Pending', 'Scheduled', 'Running', 'Success', 'Failed', 'PartialFailed', 'Stopping', 'Stopped'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** Status of one instance's run. */
export const RECORD_STATUSES = [
  'Pending',
  'Running',
  'Success',
  'Failed',
  'Timeout',
  'Aborted',
  'Error',
  'Cancelled',
  'Terminated',
  'Invalid',
  'Skipped',
  'Missed',
] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export const FINAL_RECORD_STATUSES: readonly RecordStatus[] = [
  'Success',
  'Failed',
  'Timeout',
  'Aborted',
  'Error',
  'Cancelled',
  'Terminated',
  'Invalid',
  'Skipped',
  'Missed',
];

export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

export interface InvocationShape {
  timed: boolean;
  stopped: boolean;
}

/**
 * The overall status of an invocation, derived from its records' statuses. A timed
 * invocation never ends as Success/Failed: it is Scheduled or Running until stopped.
 */
export function deriveInvocationStatus(shape: InvocationShape, recordStatuses: readonly RecordStatus[]): InvocationStatus {
  const running = recordStatuses.some((s) => s === 'Running');
  const pending = recordStatuses.some((s) => s === 'Pending');
  if (shape.stopped) return running ? 'Stopping' : 'Stopped';
  if (shape.timed) return running || pending ? 'Running' : 'Scheduled';
  if (recordStatuses.length === 0) return 'Pending';
  if (!running && recordStatuses.every((s) => s === 'Pending')) return 'Pending';
  if (running || pending) return 'Running';
  // Runs stopped by an operator (Cancelled, Terminated) are neither successes nor failures.
  const stoppedRun = (s: RecordStatus): boolean => s === 'Cancelled' || s === 'Terminated';
  if (recordStatuses.every(stoppedRun)) return 'Stopped';
  const succeeded = recordStatuses.some((s) => s === 'Success');
  const failed = recordStatuses.some((s) => s !== 'Success' && !stoppedRun(s));
  if (!failed) return 'Success';
  return succeeded ? 'PartialFailed' : 'Failed';
}
