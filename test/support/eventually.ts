export interface EventuallyOptions {
  /** How long the probe may keep failing before the test fails. */
  timeoutMs?: number;
  /** Pause between two tries. */
  intervalMs?: number;
  /** What is awaited, for the failure message ("the run finished Success"). */
  description?: string;
}

/**
 * Runs `probe` until it returns without throwing, and returns what it returned: for a state that
 * arrives asynchronously (a run finishing, a process logging a line, a row appearing). The probe
 * states the expectation itself, usually with `expect`, so a timeout fails with the last
 * unmet expectation and the description rather than a bare "condition not reached".
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 100, description = 'the expected state' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() >= deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${description}: not reached within ${timeoutMs} ms; last failure: ${reason}`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
