import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { RunningAgent, startAgent } from '../support/agents';
import { launchChromium, openPage, screenshot, WatchedPage } from '../support/browser';
import { call, newCommand } from '../support/factories';
import { REPO } from '../support/processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, TestApp } from '../support/test-app';

/**
 * The operator dashboard in a real Chromium against the real service and a real agent: what an
 * operator clicks is what runs. Each page is screenshotted into artifacts/screenshots/.
 */
describe('Dashboard in a real browser', () => {
  let app: TestApp;
  let agent: RunningAgent;
  let browser: Browser;
  let readonlyKey: { id: string; secret: string };
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    if (!existsSync(join(REPO, 'dist', 'dashboard', 'index.html'))) throw new Error('dist/dashboard/index.html is missing: run `npm run build` first.');
    browser = await launchChromium();
    // One-second intervals are allowed here so a timed invocation fires while the test watches.
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1' });
    agent = await startAgent(app);
    const key = await call(app, 'CreateAccessKey', { Role: 'readonly' });
    readonlyKey = { id: key.AccessKeyId as string, secret: key.AccessKeySecret as string };
  });

  afterEach(async () => {
    const problems = opened.flatMap((watched) => watched.problems());
    await Promise.all(opened.splice(0).map((watched) => watched.close()));
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await app?.close();
  });

  async function newPage(): Promise<Page> {
    const watched = await openPage(browser, app.endpoint);
    opened.push(watched);
    return watched.page;
  }

  async function signIn(page: Page, id: string, secret: string): Promise<void> {
    await page.goto('/dashboard/');
    await page.getByLabel('AccessKey ID').fill(id);
    await page.getByLabel('AccessKey secret').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Invocations', level: 1 }).waitFor();
  }

  const invocationStatus = (page: Page) => page.getByRole('status', { name: 'Invocation status' });
  const invokeIdFromUrl = (page: Page): string => /\/dashboard\/invocations\/(t-[0-9a-f]+)/.exec(page.url())![1];

  it('is served at /dashboard: client routes get index.html, hashed assets are cached for good', async () => {
    const index = await fetch(`${app.endpoint}/dashboard/`);
    const html = await index.text();
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)![1];

    const asset = await fetch(app.endpoint + script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const clientRoute = await fetch(`${app.endpoint}/dashboard/invocations/t-0123`);
    expect(clientRoute.status).toBe(200);
    expect(await clientRoute.text()).toBe(html);
    expect((await fetch(`${app.endpoint}/dashboard/assets/gone-12345678.js`)).status).toBe(404);
    const bare = await fetch(`${app.endpoint}/dashboard`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/dashboard/']);
  });

  it('refuses a wrong secret on the sign-in page and says why', async () => {
    const page = await newPage();
    await page.goto('/dashboard/invocations');
    await page.getByRole('heading', { name: 'Cloud Assistant' }).waitFor();
    await screenshot(page, '01-sign-in');
    await page.getByLabel('AccessKey ID').fill(ADMIN_KEY_ID);
    await page.getByLabel('AccessKey secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Unauthorized.InvalidCredentials');
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
  });

  it('creates a command, invokes it on the real agent and shows Success with the decoded output', async () => {
    const page = await newPage();
    await signIn(page, ADMIN_KEY_ID, ADMIN_KEY_SECRET);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Commands' }).click();
    await page.getByRole('button', { name: 'New command' }).click();
    const form = page.getByRole('form', { name: 'New command' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('hello-dashboard');
    await form.getByLabel('Content', { exact: true }).fill('echo hello-dashboard');
    await form.getByLabel('Description', { exact: true }).fill('Says hello from the browser test');
    await screenshot(page, '02-commands-new');
    await form.getByRole('button', { name: 'Create command' }).click();
    await page.getByRole('status').filter({ hasText: 'Created c-' }).waitFor();
    await page.getByRole('row', { name: /hello-dashboard/ }).waitFor();
    await screenshot(page, '03-commands');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    const instanceRow = page.getByRole('row', { name: new RegExp(agent.instanceId) });
    await instanceRow.getByText('Online').waitFor();
    await screenshot(page, '04-instances');
    await page.getByRole('checkbox', { name: `Select ${agent.instanceId}` }).check();
    await page.getByRole('button', { name: 'Invoke on 1 selected' }).click();

    await page.getByRole('heading', { name: 'Invoke a command' }).waitFor();
    expect(await page.getByRole('checkbox', { name: `Run on ${agent.instanceId}` }).isChecked()).toBe(true);
    const commandId = (await page.getByLabel('Command', { exact: true }).locator('option', { hasText: 'hello-dashboard' }).getAttribute('value'))!;
    await page.getByLabel('Command', { exact: true }).selectOption(commandId);
    await page.getByRole('button', { name: 'Invoke now' }).click();

    await page.getByRole('heading', { name: /^Invocation t-/ }).waitFor();
    await invocationStatus(page).filter({ hasText: 'Success' }).waitFor({ timeout: 30_000 });
    const output = page.getByLabel(`Output of ${agent.instanceId}`, { exact: true });
    await output.filter({ hasText: 'hello-dashboard' }).waitFor();
    expect(await output.textContent()).toBe('hello-dashboard\n');
    const row = page.getByRole('table', { name: 'Instances of this invocation' }).getByRole('row', { name: new RegExp(agent.instanceId) });
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      agent.instanceId,
      'Success',
      '0',
      '—',
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    expect(await page.getByRole('progressbar', { name: 'Records finished' }).getAttribute('value')).toBe('1');
    await page.getByRole('button', { name: `Copy output of ${agent.instanceId}` }).click();
    await page
      .getByRole('button', { name: `Copy output of ${agent.instanceId}` })
      .filter({ hasText: 'Copied' })
      .waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('hello-dashboard\n');
    await screenshot(page, '05-invocation-detail');
    const invokeId = invokeIdFromUrl(page);

    // The list: the same invocation, found by status and by command, and not under another status.
    await page.getByRole('link', { name: '← All invocations' }).click();
    const listRow = page.getByRole('row', { name: new RegExp(invokeId) });
    await listRow.getByText('Success').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('Failed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No invocations match these filters.').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('Success');
    await page.getByLabel('Command ID').fill(commandId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await listRow.waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('Success');
    await screenshot(page, '06-invocations');
  });

  it('previews the next fire times of a Frequency, saves the schedule, shows its runs, and stops it', async () => {
    const commandId = await newCommand(app, { Name: 'tick' }, 'echo tick-$(date +%s)');
    const page = await newPage();
    await signIn(page, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoke' }).click();
    await page.getByLabel('Command', { exact: true }).selectOption(commandId);
    await page.getByRole('checkbox', { name: `Run on ${agent.instanceId}` }).check();
    await page.getByRole('radio', { name: 'On a schedule (timed)' }).check();
    expect(await page.getByRole('button', { name: 'Save schedule' }).isDisabled()).toBe(true);

    await page.getByLabel('Frequency').fill('not a cron');
    await page.getByRole('alert').filter({ hasText: 'Frequency' }).waitFor();
    await page.getByLabel('Frequency').fill('*/3 * * * * ?');
    const preview = page.getByRole('list', { name: 'Next fire times' });
    await preview.waitFor();
    expect(await preview.getByRole('listitem').count()).toBe(5);
    await screenshot(page, '07-invoke-timed');
    await page.getByRole('button', { name: 'Save schedule' }).click();

    await page.getByRole('heading', { name: /^Invocation t-/ }).waitFor();
    const invokeId = invokeIdFromUrl(page);
    const fireTimes = page.getByRole('list', { name: 'Next fire times' });
    await fireTimes.waitFor();
    expect(await fireTimes.getByRole('listitem').count()).toBe(5);
    await page.getByRole('heading', { name: 'Run history' }).waitFor();
    // Two fires, so the history is a history: newest first, each with its own output.
    const runs = page.getByLabel(`Output of ${agent.instanceId}`, { exact: true }).filter({ hasText: /tick-\d+/ });
    await runs.nth(1).waitFor({ timeout: 30_000 });
    await screenshot(page, '08-invocation-timed');

    await page.getByRole('button', { name: 'Stop invocation' }).click();
    await page.getByRole('button', { name: 'Confirm stop' }).click();
    await invocationStatus(page).filter({ hasText: 'Stopped' }).waitFor({ timeout: 30_000 });
    await page.getByText('No further fires: the schedule was stopped.').waitFor();
    expect(await page.getByRole('button', { name: 'Stop invocation' }).count()).toBe(0);
    const described = await call(app, 'DescribeInvocations', { InvokeId: invokeId });
    expect(described.Invocations.Invocation[0].InvocationStatus).toBe('Stopped');
    await screenshot(page, '09-invocation-stopped');
  });

  it('pages through the invocations list and filters it by creation time', async () => {
    const commandId = await newCommand(app, { Name: 'page-filler' }, 'true');
    for (let i = 0; i < 12; i++) await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
    const [{ count }] = await app.sql<{ count: number }>('SELECT count(*)::int AS count FROM invocations');
    const page = await newPage();
    await signIn(page, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
    await page.getByLabel('Per page', { exact: true }).selectOption('10');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const pages = page.getByRole('navigation', { name: 'Invocation pages' });
    await pages.getByText(`1–10 of ${count}`).waitFor();
    const invokeIds = page.getByRole('table', { name: 'Invocations' }).locator('tbody tr td:first-child');
    const firstPage = await invokeIds.allTextContents();
    await pages.getByRole('button', { name: 'Next page' }).click();
    await pages.getByText(`11–${Math.min(20, count)} of ${count}`).waitFor();
    const secondPage = await invokeIds.allTextContents();
    expect(firstPage).toHaveLength(10);
    expect(secondPage).toHaveLength(Math.min(10, count - 10));
    expect(secondPage.filter((invokeId) => firstPage.includes(invokeId))).toEqual([]);
    await pages.getByRole('button', { name: 'Previous page' }).click();
    await pages.getByText(`1–10 of ${count}`).waitFor();

    // Nothing was created a day from now.
    const tomorrow = new Date(Date.now() + 86_400_000);
    // Seconds other than :00: a datetime-local input drops ":00", which would not round-trip.
    const local = `${new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 10)}T12:34:56`;
    await page.getByLabel('Created from', { exact: true }).fill(local);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No invocations match these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('since')).toBe(local);
  });

  it('shows a readonly key everything but no action, and the service refuses its writes', async () => {
    const commandId = await newCommand(app, { Name: 'nightly-report' }, 'echo report');
    const scheduled = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify([agent.instanceId]),
      Timed: 'true',
      Frequency: '0 0 3 * * ?',
    });
    const page = await newPage();
    await signIn(page, readonlyKey.id, readonlyKey.secret);
    await page.getByRole('row', { name: new RegExp(scheduled.InvokeId as string) }).waitFor();
    expect(await page.getByText('readonly', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Invoke a command' }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoke' }).count()).toBe(0);
    await screenshot(page, '10-readonly-invocations');

    await page.getByRole('link', { name: scheduled.InvokeId as string }).click();
    await invocationStatus(page).filter({ hasText: 'Scheduled' }).waitFor();
    expect(await page.getByRole('list', { name: 'Next fire times' }).getByRole('listitem').count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Stop invocation' }).count()).toBe(0);
    await screenshot(page, '11-readonly-invocation-detail');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Commands' }).click();
    await page.getByRole('row', { name: /nightly-report/ }).waitFor();
    expect(await page.getByRole('button', { name: 'New command' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /^Invoke / }).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('row', { name: new RegExp(agent.instanceId) }).waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Invoke on/ }).count()).toBe(0);

    // Hiding buttons is a courtesy; the service is what refuses.
    const refused = await fetch(`${app.endpoint}/v1/invocations/${scheduled.InvokeId as string}/stop`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${readonlyKey.id}:${readonlyKey.secret}`).toString('base64')}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(403);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    const described = await call(app, 'DescribeInvocations', { InvokeId: scheduled.InvokeId as string });
    expect(described.Invocations.Invocation[0].InvocationStatus).toBe('Scheduled');
  });
});
