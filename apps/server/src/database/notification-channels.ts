/** The PostgreSQL NOTIFY channels the service processes talk to each other on. */
export const NOTIFICATION_CHANNELS = {
  /** Payload: comma-separated instance ids whose agents have new work. */
  dispatch: 'ca_dispatch',
  /** No payload: a timed invocation changed, so the scheduler looks at its next fire time again. */
  schedule: 'ca_schedule',
  /** Payload: comma-separated access key ids whose cached state is stale. */
  accessKeys: 'ca_access_keys',
} as const;
