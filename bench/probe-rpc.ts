import { BenchEnvironment, nowMs, summarize } from './support';

async function main(): Promise<void> {
  const env = new BenchEnvironment();
  try {
    await env.startDatabase();
    await env.startServer({}, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']);
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = nowMs();
      await env.call('DescribeRegions', {});
      times.push(nowMs() - s);
    }
    console.log(summarize(times.slice(100)));
    env.children[0].kill('SIGTERM');
    await new Promise((r) => env.children[0].once('exit', r));
  } finally {
    await env.close();
  }
}
void main();
