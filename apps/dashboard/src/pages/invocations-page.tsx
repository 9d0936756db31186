import { FormEvent, useEffect, useState } from 'react';
import { INVOCATION_STATUSES, Invocation, Page } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { LiveIndicator } from '../components/live-indicator';
import { Pager, usePager } from '../components/pager';
import { Progress } from '../components/progress';
import { StatusBadge } from '../components/status-badge';
import { browserZone, Time } from '../components/time';
import { Link, setQuery, useLocation } from '../router';
import { useSession } from '../session';
import { useResource } from '../use-resource';

export const POLL_MS = 2500;

const FILTERS = ['status', 'commandId', 'instanceId', 'timed', 'since', 'until', 'pageSize'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** `datetime-local` values are in the browser's zone; the service wants ISO-8601 UTC. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function InvocationsPage() {
  const { api, isAdmin } = useSession();
  const { query } = useLocation();
  const applied = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as Filters;
  const appliedKey = JSON.stringify(applied);
  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(JSON.parse(appliedKey) as Filters), [appliedKey]);

  const pager = usePager(appliedKey);
  const pageSize = Number(applied.pageSize) || 20;
  const list = useResource(
    (signal) =>
      api.get<Page<Invocation>>(
        '/invocations',
        {
          status: applied.status,
          commandId: applied.commandId.trim(),
          instanceId: applied.instanceId.trim(),
          timed: applied.timed,
          since: toIso(applied.since),
          until: toIso(applied.until),
          pageSize,
          nextToken: pager.token,
        },
        signal,
      ),
    [appliedKey, pager.token],
    POLL_MS,
  );

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    setQuery(draft);
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });
  const items = list.data?.items ?? [];

  return (
    <>
      <header className="page-header">
        <h1>Invocations</h1>
        <LiveIndicator updatedAt={list.updatedAt} />
        <span className="spacer" />
        {isAdmin && (
          <Link to="/invoke" className="button button-primary">
            Invoke a command
          </Link>
        )}
      </header>

      <form className="filters" onSubmit={apply} aria-label="Filter invocations">
        <label>
          Status
          <select aria-label="Status" {...field('status')}>
            <option value="">Any</option>
            {INVOCATION_STATUSES.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </label>
        <label>
          Command ID
          <input {...field('commandId')} placeholder="c-…" className="mono" />
        </label>
        <label>
          Instance ID
          <input {...field('instanceId')} placeholder="i-… or mi-…" className="mono" />
        </label>
        <label>
          Kind
          <select aria-label="Kind" {...field('timed')}>
            <option value="">Any</option>
            <option value="false">Run once</option>
            <option value="true">Timed</option>
          </select>
        </label>
        <label>
          Created from
          <input type="datetime-local" step="1" {...field('since')} />
        </label>
        <label>
          Created until
          <input type="datetime-local" step="1" {...field('until')} />
        </label>
        <label>
          Per page
          <select aria-label="Per page" {...field('pageSize')}>
            {['', '10', '50'].map((size) => (
              <option key={size} value={size}>
                {size || '20'}
              </option>
            ))}
          </select>
        </label>
        <div className="filter-actions">
          <button type="submit" className="button-primary">
            Apply filters
          </button>
          <button type="button" onClick={() => setQuery({})}>
            Clear
          </button>
        </div>
      </form>

      <ErrorBanner error={list.error} />
      <div className="table-wrap">
        <table aria-label="Invocations">
          <thead>
            <tr>
              <th scope="col">Invocation</th>
              <th scope="col">Command</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Schedule</th>
              <th scope="col">Created ({browserZone()})</th>
            </tr>
          </thead>
          <tbody>
            {items.map((invocation) => (
              <tr key={invocation.invokeId}>
                <td>
                  <Link to={`/invocations/${encodeURIComponent(invocation.invokeId)}`} className="mono">
                    {invocation.invokeId}
                  </Link>
                </td>
                <td>
                  {invocation.commandName} <span className="dim mono small">{invocation.commandId}</span>
                </td>
                <td>
                  <StatusBadge status={invocation.status} />
                </td>
                <td>
                  <Progress finished={invocation.progress.finished} total={invocation.progress.total} label={`Progress of ${invocation.invokeId}`} />
                </td>
                <td className="mono small">{invocation.timed ? invocation.frequency : <span className="dim">once</span>}</td>
                <td>
                  <Time iso={invocation.createdAt} />
                </td>
              </tr>
            ))}
            {list.data && items.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No invocations match these filters.
                </td>
              </tr>
            )}
            {!list.data && !list.error && (
              <tr>
                <td colSpan={6} className="empty">
                  Loading…
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager label="Invocation pages" pager={pager} pageSize={pageSize} page={list.data} />
    </>
  );
}
