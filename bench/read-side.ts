import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '../apps/server/src/database/migrate';
import { compactPlan, ExplainedStatement, explainStatement } from './explain';
import { SeedSummary, seedReadSide } from './read-side-seed';
import type { CapturedStatement } from './sql-capture-hook';
import { BenchEnvironment, nowMs, REPO, sleep, summarize } from './support';
import { BenchRow, BenchScenario, ms } from './table';

type Params = Record<string, string>;

/** One read the benchmark times: its parameters for the n-th sample, cycling through realistic values. */
interface ReadQuery {
  label: string;
  action: 'DescribeInvocations' | 'DescribeInvocationResults' | 'DescribeRegions';
  params(n: number): Params;
  /** Follow NextToken page after page (up to `walkPages`), each page one sample. */
  walk?: boolean;
  /** First pages carry the issue's target (p99 ≤ 20 ms); deep pages are reported, not judged. */
  judged: boolean;
  /** Slow reads outside the issue's list, reported to show where the limits are: 3 samples, 1 EXPLAIN run. */
  slow?: boolean;
}

const TARGET_P99_MS = 20;
export const PLANS_FILE = join(REPO, 'artifacts', 'bench', 'read-plans.txt');

function readQueries(seed: SeedSummary, walkPages: number): ReadQuery[] {
  const pick = <T>(list: T[], n: number): T => list[n % list.length];
  const invocationsPerPage = 10;
  const middlePage = Math.max(2, Math.floor(seed.invocations / invocationsPerPage / 2));
  return [
    {
      label: 'DescribeRegions: the floor of any signed call (auth, nonce commit; no invocation SQL)',
      action: 'DescribeRegions',
      params: () => ({}),
      judged: false,
    },
    { label: 'DescribeInvocations, unfiltered', action: 'DescribeInvocations', params: () => ({}), judged: true },
    { label: 'DescribeInvocations, InvokeStatus=Finished (most)', action: 'DescribeInvocations', params: () => ({ InvokeStatus: 'Finished' }), judged: true },
    {
      label: 'DescribeInvocations, InvocationStatus=Running (few)',
      action: 'DescribeInvocations',
      params: () => ({ InvocationStatus: 'Running' }),
      judged: true,
    },
    {
      label: 'DescribeInvocations, CommandId (top 5 commands)',
      action: 'DescribeInvocations',
      params: (n) => ({ CommandId: pick(seed.popularCommandIds, n) }),
      judged: true,
    },
    {
      label: 'DescribeInvocations, CommandId (rarely used)',
      action: 'DescribeInvocations',
      params: (n) => ({ CommandId: pick(seed.rareCommandIds, n) }),
      judged: true,
    },
    { label: 'DescribeInvocations, InstanceId', action: 'DescribeInvocations', params: (n) => ({ InstanceId: pick(seed.instanceIds, n) }), judged: true },
    {
      label: `DescribeInvocationResults, big timed invocation (${seed.bigTimed.records.toLocaleString('en')} runs), latest per instance`,
      action: 'DescribeInvocationResults',
      params: () => ({ InvokeId: seed.bigTimed.invokeId }),
      judged: true,
    },
    {
      label: 'DescribeInvocationResults, big timed invocation, IncludeHistory',
      action: 'DescribeInvocationResults',
      params: () => ({ InvokeId: seed.bigTimed.invokeId, IncludeHistory: 'true' }),
      judged: true,
    },
    {
      label: 'DescribeInvocationResults, ordinary invocation',
      action: 'DescribeInvocationResults',
      params: (n) => ({ InvokeId: pick(seed.ordinaryInvokeIds, n) }),
      judged: true,
    },
    {
      label: 'DescribeInvocationResults, InstanceId',
      action: 'DescribeInvocationResults',
      params: (n) => ({ InstanceId: pick(seed.instanceIds, n) }),
      judged: true,
    },
    {
      label: 'DescribeInvocationResults, CommandId (top 5 commands; not a target)',
      action: 'DescribeInvocationResults',
      params: (n) => ({ CommandId: pick(seed.popularCommandIds, n) }),
      judged: false,
      slow: true,
    },
    { label: 'DescribeInvocationResults, unfiltered (not a target)', action: 'DescribeInvocationResults', params: () => ({}), judged: false, slow: true },
    {
      label: `DescribeInvocations, deep page: PageNumber=${middlePage.toLocaleString('en')}`,
      action: 'DescribeInvocations',
      params: () => ({ PageNumber: String(middlePage), PageSize: String(invocationsPerPage) }),
      judged: false,
    },
    {
      label: `DescribeInvocations, NextToken walk, pages 1–${walkPages} of MaxResults=50`,
      action: 'DescribeInvocations',
      params: () => ({ MaxResults: '50' }),
      walk: true,
      judged: false,
    },
    {
      label: `DescribeInvocationResults, big timed IncludeHistory, NextToken walk, pages 1–${walkPages} of 50`,
      action: 'DescribeInvocationResults',
      params: () => ({ InvokeId: seed.bigTimed.invokeId, IncludeHistory: 'true', MaxResults: '50' }),
      walk: true,
      judged: false,
    },
  ];
}

/** Where each read action puts its next-page token. */
interface PagedAnswer {
  NextToken?: string;
  Invocation?: { NextToken?: string };
}

function nextTokenOf(action: ReadQuery['action'], body: PagedAnswer): string {
  return (action === 'DescribeInvocations' ? body.NextToken : body.Invocation?.NextToken) ?? '';
}

/** Runs `query` `samples` times, one call at a time (latency, not throughput); ms per call. */
async function timeQuery(env: BenchEnvironment, query: ReadQuery, samples: number, walkPages: number): Promise<number[]> {
  const times: number[] = [];
  let token = '';
  let page = 0;
  for (let n = 0; times.length < samples; n++) {
    const params = query.params(n);
    if (query.walk && token) params.NextToken = token;
    const started = nowMs();
    const body = await env.call<PagedAnswer>(query.action, params);
    times.push(nowMs() - started);
    if (query.walk) {
      page++;
      token = page < walkPages ? nextTokenOf(query.action, body) : '';
      if (!token) page = 0;
    }
  }
  return times;
}

/**
 * The SQL each query runs, as the service sends it: one pass on a second server process with the
 * capture hook preloaded (never the process being timed). A walk is captured at its last page.
 */
async function captureSql(env: BenchEnvironment, queries: ReadQuery[], walkPages: number, serverEnv: Params): Promise<CapturedStatement[][]> {
  const file = join(REPO, 'artifacts', 'bench', `read-sql-${process.pid}.jsonl`);
  writeFileSync(file, '');
  const capture = new BenchEnvironment();
  capture.databaseUrl = env.databaseUrl;
  try {
    await capture.startServer({ ...serverEnv, BENCH_SQL_CAPTURE: file }, ['--require', join(__dirname, 'sql-capture-hook.js')]);
    const captured: CapturedStatement[][] = [];
    await sleep(500); // the scheduler's start-up reads are over
    for (const query of queries) {
      let token = '';
      for (let page = 1; ; page++) {
        const params = query.params(0);
        if (token) params.NextToken = token;
        const last = !query.walk || page >= walkPages;
        const from = Date.now();
        const body = await capture.call<PagedAnswer>(query.action, params);
        const to = Date.now();
        token = nextTokenOf(query.action, body);
        if (last || !token) {
          await sleep(20);
          captured.push(readCaptured(file).filter((s) => s.at >= from && s.at <= to && isInvocationRead(s.text)));
          break;
        }
      }
    }
    return captured;
  } finally {
    await capture.close();
    rmSync(file, { force: true });
  }
}

function readCaptured(file: string): CapturedStatement[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CapturedStatement);
}

/** A read of the invocation tables by a request (housekeeping writes and locks are not). */
function isInvocationRead(sql: string): boolean {
  const background = /FOR UPDATE|SKIP LOCKED|min\(next_fire_at\)/i;
  return /^\s*(SELECT|WITH)\b/i.test(sql) && /\binvocation(s|_records)\b/i.test(sql) && !background.test(sql);
}

export interface ReadSideResult {
  seed: SeedSummary;
  queries: Array<{ query: ReadQuery; latency: ReturnType<typeof summarize>; plans: ExplainedStatement[] }>;
}

export async function measureReadSide(options: {
  records: number;
  samples: number;
  walkPages: number;
  /** EXPLAIN ANALYZE runs per statement; the median is the floor. */
  explainRuns: number;
  log: (line: string) => void;
}): Promise<ReadSideResult> {
  const env = new BenchEnvironment();
  // Seeded Pending/Running rows stay so while we read; sequential calls outrun the default rate
  // limit; the capture server and the timed one share the database, so they share its key.
  const serverEnv = {
    DELIVERY_TIMEOUT_SECONDS: String(30 * 86400),
    RATE_LIMIT_PER_SECOND: '0',
    SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  try {
    await env.startDatabase();
    await runMigrations(env.databaseUrl);
    options.log(`seeding ${options.records.toLocaleString('en')} records`);
    const seed = await seedReadSide(env.databaseUrl, options.records);
    options.log(`seeded ${seed.invocations.toLocaleString('en')} invocations, ${seed.records.toLocaleString('en')} records in ${seed.seconds} s`);
    const queries = readQueries(seed, options.walkPages);
    mkdirSync(join(REPO, 'artifacts', 'bench'), { recursive: true });
    const captured = await captureSql(env, queries, options.walkPages, serverEnv);

    await env.startServer(serverEnv);
    const results: ReadSideResult['queries'] = [];
    for (const query of queries) {
      const samples = query.slow ? 3 : options.samples;
      await timeQuery(env, query, Math.ceil(samples / 10), options.walkPages); // warm-up: caches, connections, JIT
      const times = await timeQuery(env, query, samples, options.walkPages);
      results.push({ query, latency: summarize(times), plans: [] });
    }

    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      for (const [i, result] of results.entries()) {
        for (const statement of captured[i])
          result.plans.push(await explainStatement(db, statement.text, statement.values, result.query.slow ? 1 : options.explainRuns));
      }
    } finally {
      await db.end();
    }
    writeFileSync(PLANS_FILE, renderPlans(seed, results));
    return { seed, queries: results };
  } finally {
    await env.close();
  }
}

function renderPlans(seed: SeedSummary, results: ReadSideResult['queries']): string {
  const header = `Read side: ${seed.invocations.toLocaleString('en')} invocations, ${seed.records.toLocaleString('en')} records — ${new Date().toISOString()}\n`;
  return (
    header +
    results
      .map(({ query, latency, plans }) =>
        [
          `\n${'='.repeat(100)}\n${query.label}: ours p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}; ${compactPlan(plans)}`,
          ...plans.map((p, k) => `\n-- statement ${k + 1} of ${plans.length}, parameters ${JSON.stringify(p.values)}\n${p.sql.trim()}\n\n${p.text}`),
        ].join('\n'),
      )
      .join('\n')
  );
}

export const readSideScenario: BenchScenario = {
  name: 'read',
  async run({ quick, log }) {
    const r = await measureReadSide(
      quick ? { records: 100_000, samples: 40, walkPages: 10, explainRuns: 3, log } : { records: 1_000_000, samples: 300, walkPages: 200, explainRuns: 5, log },
    );
    const rows: BenchRow[] = [
      {
        scenario: `Read side: ${r.seed.invocations.toLocaleString('en')} invocations, ${r.seed.records.toLocaleString('en')} records; first pages (plans: ${PLANS_FILE.slice(REPO.length + 1)})`,
        ours: '',
      },
    ];
    for (const { query, latency, plans } of r.queries) {
      if (plans.length === 0) {
        rows.push({ scenario: `  ${query.label}`, ours: `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}` });
        log(`${query.label}: p50 ${ms(latency.p50)} p99 ${ms(latency.p99)}`);
        continue;
      }
      const floor = plans.reduce((sum, p) => sum + p.summary.ms, 0);
      const indexed = plans.length > 0 && plans.every((p) => p.summary.seqScans.length === 0);
      rows.push({
        scenario: `  ${query.label}`,
        ours: `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}${query.walk ? `, max ${ms(latency.max)}` : ''}`,
        reference: `${ms(floor)} (EXPLAIN ANALYZE)`,
        ratio: floor / latency.p50,
        target: query.judged ? `p99 ≤ ${TARGET_P99_MS} ms, indexed` : '',
        met: query.judged ? latency.p99 <= TARGET_P99_MS && indexed : undefined,
      });
      rows.push({ scenario: '    plan', ours: compactPlan(plans) });
      log(`${query.label}: p50 ${ms(latency.p50)} p99 ${ms(latency.p99)} | ${compactPlan(plans)}`);
    }
    return rows;
  },
};
