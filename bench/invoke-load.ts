import { formatV1Timestamp, signedQueryV1 } from '@ca/signing';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

/** What the parent asks of one load run (argv[2], JSON). */
export interface LoadSpec {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  regionId: string;
  commandId: string;
  instanceIds: string[];
  /** closed: `concurrency` requests always in flight; open: `rate` arrivals a second, whatever the answers. */
  mode: 'closed' | 'open';
  concurrency: number;
  rate?: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  completed: number;
  errors: number;
  errorSample?: string;
  elapsedMs: number;
  /** Sorted latencies of the measured window, ms (open loop: from the scheduled send time). */
  latencies: number[];
  cpuMs: number;
}

/**
 * The load generator, a process of its own so that its CPU shows apart from the server's:
 * signed V1 InvokeCommand requests (one instance each, one-shot) over keep-alive sockets.
 * node:http, not fetch: fetch costs about a millisecond of client CPU per request here.
 */
async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  const url = new URL(spec.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.mode === 'closed' ? spec.concurrency : 512 });
  let next = 0;

  const invoke = (): Promise<string | undefined> => {
    const instanceId = spec.instanceIds[next++ % spec.instanceIds.length];
    const body = signedQueryV1(
      'POST',
      {
        Action: 'InvokeCommand',
        Format: 'JSON',
        Version: '2014-05-26',
        AccessKeyId: spec.accessKeyId,
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: randomUUID(),
        Timestamp: formatV1Timestamp(new Date()),
        RegionId: spec.regionId,
        CommandId: spec.commandId,
        InstanceIds: `["${instanceId}"]`,
      },
      spec.accessKeySecret,
    );
    return new Promise((resolve) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/',
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve(res.statusCode === 200 && text.includes('"InvokeId"') ? undefined : `${res.statusCode} ${text.slice(0, 200)}`);
          });
        },
      );
      req.on('error', (error) => resolve(error.message));
      req.end(body);
    });
  };

  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let errorSample: string | undefined;
  let cpuAtMeasureStart: NodeJS.CpuUsage | undefined;
  const account = (sentAt: number, error: string | undefined): void => {
    const done = performance.now();
    if (sentAt < measureFrom || done > end) return;
    if (error) {
      errors++;
      errorSample ??= error;
    } else {
      completed++;
      latencies.push(done - sentAt);
    }
  };
  const cpuTimer = setTimeout(() => (cpuAtMeasureStart = process.cpuUsage()), spec.warmupMs);

  if (spec.mode === 'closed') {
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const sentAt = performance.now();
        account(sentAt, await invoke());
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  } else {
    // Arrivals on a fixed schedule; latency counts from the scheduled time, so a stalled server
    // is charged for the requests it delayed (no coordinated omission).
    const interval = 1000 / spec.rate!;
    const inFlight: Array<Promise<void>> = [];
    let i = 0;
    while (start + i * interval < end) {
      const due = start + i * interval;
      // Always yield, even when the next arrival is under a millisecond away (the inner loop
      // catches up): spinning kept the responses from being read, so above 1000/s nothing
      // completed within the window.
      const wait = due - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
      while (start + i * interval <= performance.now() && start + i * interval < end) {
        const scheduled = start + i * interval;
        inFlight.push(invoke().then((error) => account(scheduled, error)));
        i++;
      }
    }
    await Promise.all(inFlight);
  }
  clearTimeout(cpuTimer);
  const cpu = process.cpuUsage(cpuAtMeasureStart);
  agent.destroy();
  const result: LoadResult = {
    completed,
    errors,
    errorSample,
    elapsedMs: spec.durationMs,
    latencies: latencies.sort((a, b) => a - b),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  // A pipe takes large writes asynchronously: exiting before the callback cut the JSON short.
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(result) + '\n', () => resolve()));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
