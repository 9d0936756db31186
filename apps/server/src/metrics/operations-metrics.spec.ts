import { OperationsMetrics } from './operations-metrics';

async function value(sut: OperationsMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await sut.registry.getMetricsAsJSON()).find((m) => m.name === name.replace(/_(count|sum|bucket)$/, ''));
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, unknown>; metricName?: string }>;
  const wanted = values.filter((v) => (v.metricName ?? metric?.name) === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return wanted.reduce((sum, v) => sum + v.value, 0);
}

describe(OperationsMetrics.name, () => {
  it('observes one fire lag per fire, however many instances it ran on, and counts the final records', async () => {
    const sut = new OperationsMetrics();
    const at = new Date(Date.now() - 1500);
    sut.observeFiresCommitted([
      { invokeId: 't-1', scheduledAt: at, status: 'Pending' },
      { invokeId: 't-1', scheduledAt: at, status: 'Skipped' },
      { invokeId: 't-2', scheduledAt: at, status: 'Pending' },
      { invokeId: 't-3', scheduledAt: new Date(0), status: 'Missed' },
    ]);
    await expect(value(sut, 'cloud_assistant_schedule_fire_lag_seconds_count')).resolves.toBe(2);
    await expect(value(sut, 'cloud_assistant_schedule_fire_lag_seconds_sum')).resolves.toBeGreaterThanOrEqual(3);
    await expect(value(sut, 'cloud_assistant_invocation_records_finished_total', { status: 'Skipped' })).resolves.toBe(1);
    await expect(value(sut, 'cloud_assistant_invocation_records_finished_total', { status: 'Missed' })).resolves.toBe(1);
    await expect(value(sut, 'cloud_assistant_invocation_records_finished_total', { status: 'Pending' })).resolves.toBe(0);
  });

  it('counts only final invocation statuses', async () => {
    const sut = new OperationsMetrics();
    for (const status of ['Running', 'Success', 'Scheduled', 'Stopped', 'Stopping']) sut.invocationStatusChanged(status);
    await expect(value(sut, 'cloud_assistant_invocations_finished_total')).resolves.toBe(2);
  });
});
