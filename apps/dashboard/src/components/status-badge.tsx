/** Every invocation and run status the service reports, grouped by what an operator should feel about it. */
const TONES: Record<string, string> = {
  Success: 'good',
  Failed: 'bad',
  PartialFailed: 'bad',
  Error: 'bad',
  Timeout: 'bad',
  Aborted: 'bad',
  Missed: 'warn',
  Skipped: 'warn',
  Pending: 'busy',
  Running: 'busy',
  Stopping: 'busy',
  Scheduled: 'info',
  Stopped: 'muted',
  Cancelled: 'muted',
  Terminated: 'muted',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONES[status] ?? 'muted'}`}>{status}</span>;
}

export function OnlineBadge({ online }: { online: boolean }) {
  return <span className={`badge badge-${online ? 'good' : 'muted'}`}>{online ? 'Online' : 'Offline'}</span>;
}

/** An inventory instance's own status (Running is the healthy one there). */
export function InstanceStatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status === 'Running' ? 'good' : status === 'Stopped' ? 'muted' : 'busy'}`}>{status}</span>;
}
