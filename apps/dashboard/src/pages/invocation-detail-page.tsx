import { useState } from 'react';
import { ApiError } from '../api/client';
import { FINAL_INVOCATION_STATUSES, Invocation, InvocationDetail, InvocationResult, Page } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { LiveIndicator } from '../components/live-indicator';
import { Pager, usePager } from '../components/pager';
import { Progress } from '../components/progress';
import { ResultCard } from '../components/result-card';
import { StatusBadge } from '../components/status-badge';
import { browserZone, duration, Time } from '../components/time';
import { Link } from '../router';
import { useSession } from '../session';
import { useResource } from '../use-resource';
import { POLL_MS } from './invocations-page';

const RESULTS_PAGE_SIZE = 20;

export function InvocationDetailPage({ invokeId }: { invokeId: string }) {
  const { api } = useSession();
  const [instanceFilter, setInstanceFilter] = useState('');
  const [finished, setFinished] = useState(false);
  // Once final nothing changes any more: stop asking.
  const pollMs = finished ? undefined : POLL_MS;
  const invocation = useResource(
    async (signal) => {
      const value = await api.get<InvocationDetail>(`/invocations/${encodeURIComponent(invokeId)}`, {}, signal);
      setFinished(FINAL_INVOCATION_STATUSES.has(value.status));
      return value;
    },
    [invokeId],
    pollMs,
  );
  const pager = usePager(`${invokeId}|${instanceFilter}`);
  const results = useResource(
    (signal) =>
      api.get<Page<InvocationResult>>(
        `/invocations/${encodeURIComponent(invokeId)}/results`,
        { instanceId: instanceFilter, pageSize: RESULTS_PAGE_SIZE, nextToken: pager.token },
        signal,
      ),
    [invokeId, instanceFilter, pager.token],
    pollMs,
  );

  const data = invocation.data;
  if (!data) {
    return (
      <>
        <header className="page-header">
          <h1>
            Invocation <span className="mono">{invokeId}</span>
          </h1>
        </header>
        <ErrorBanner error={invocation.error} />
        {!invocation.error && <p className="dim">Loading…</p>}
      </>
    );
  }

  return (
    <>
      <header className="page-header">
        <h1>
          Invocation <span className="mono">{data.invokeId}</span>
        </h1>
        <span role="status" aria-label="Invocation status">
          <StatusBadge status={data.status} />
        </span>
        <LiveIndicator updatedAt={invocation.updatedAt} live={!finished} />
        <span className="spacer" />
        <StopControl invocation={data} onStopped={invocation.reload} />
      </header>
      <ErrorBanner error={invocation.error} />

      <section className="card summary" aria-label="Summary">
        <div className="summary-progress">
          <span className="label">Progress</span>
          <Progress finished={data.progress.finished} total={data.progress.total} label="Records finished" />
          <span className="dim small">
            {data.progress.finished} of {data.progress.total} records finished
          </span>
        </div>
        <dl className="facts">
          <dt>Command</dt>
          <dd>
            {data.commandName} <span className="mono dim small">{data.commandId}</span>
          </dd>
          <dt>Type</dt>
          <dd>{data.commandType}</dd>
          <dt>Created</dt>
          <dd>
            <Time iso={data.createdAt} relative />
          </dd>
          <dt>Instances</dt>
          <dd>{data.instanceCount}</dd>
          <dt>Schedule</dt>
          <dd className="mono">{data.timed ? data.frequency : 'once, now'}</dd>
          <dt>Run as</dt>
          <dd className="mono">{data.username || <span className="dim">agent's user</span>}</dd>
          <dt>Working dir</dt>
          <dd className="mono">{data.workingDir || <span className="dim">default</span>}</dd>
          <dt>Timeout</dt>
          <dd>{data.timeout} s</dd>
          {data.timed && (
            <>
              <dt>Time zone</dt>
              <dd>{data.timeZone ?? '—'}</dd>
              <dt>Misfire policy</dt>
              <dd>{data.misfirePolicy ?? <span className="dim">default (grace window)</span>}</dd>
            </>
          )}
          {Object.keys(data.parameters).length > 0 && (
            <>
              <dt>Parameters</dt>
              <dd className="mono small">
                {Object.entries(data.parameters)
                  .map(([name, value]) => `${name}=${value}`)
                  .join('  ')}
              </dd>
            </>
          )}
        </dl>
      </section>
      <details className="card script">
        <summary>Script as invoked ({data.commandType})</summary>
        <pre className="output compact" aria-label="Script as invoked">
          {data.content}
        </pre>
      </details>

      {data.timed && (
        <section className="card" aria-labelledby="next-fires-title">
          <h2 id="next-fires-title">Next fire times</h2>
          {data.nextFireTimes.length ? (
            <ol className="fire-times" aria-label="Next fire times">
              {data.nextFireTimes.map((iso) => (
                <li key={iso}>
                  <Time iso={iso} relative />
                </li>
              ))}
            </ol>
          ) : (
            <p className="dim">No further fires{data.status === 'Stopped' ? ': the schedule was stopped.' : '.'}</p>
          )}
        </section>
      )}

      <section aria-labelledby="instances-title">
        <h2 id="instances-title">Instances</h2>
        <div className="table-wrap">
          <table aria-label="Instances of this invocation">
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Status</th>
                <th scope="col">Exit code</th>
                <th scope="col">Error</th>
                <th scope="col">Started ({browserZone()})</th>
                <th scope="col">Finished</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {data.instances.map((instance) => (
                <tr key={instance.instanceId}>
                  <td>
                    <button type="button" className="link mono" onClick={() => setInstanceFilter(instance.instanceId)} title="Show only this instance's output">
                      {instance.instanceId}
                    </button>
                  </td>
                  <td>
                    <StatusBadge status={instance.status} />
                  </td>
                  <td className="mono">{instance.exitCode ?? '—'}</td>
                  <td className="mono small" title={instance.errorInfo}>
                    {instance.errorCode || <span className="dim">—</span>}
                  </td>
                  <td>
                    <Time iso={instance.startedAt} />
                  </td>
                  <td>
                    <Time iso={instance.finishedAt ?? instance.stoppedAt} />
                  </td>
                  <td className="dim">{duration(instance.startedAt, instance.finishedAt ?? instance.stoppedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="results-title">
        <div className="section-header">
          <h2 id="results-title">{data.timed ? 'Run history' : 'Output'}</h2>
          <label className="inline">
            Instance
            <select aria-label="Instance" value={instanceFilter} onChange={(event) => setInstanceFilter(event.target.value)}>
              <option value="">All instances</option>
              {data.instances.map((instance) => (
                <option key={instance.instanceId}>{instance.instanceId}</option>
              ))}
            </select>
          </label>
        </div>
        <ErrorBanner error={results.error} />
        {results.data?.items.map((result) => (
          <ResultCard key={`${result.instanceId}|${result.scheduledAt ?? ''}|${result.startedAt ?? ''}`} result={result} timed={data.timed} />
        ))}
        {results.data && results.data.items.length === 0 && <p className="dim">No runs yet{data.timed ? ': the first fire is still ahead.' : '.'}</p>}
        {results.data && (results.data.nextToken || pager.pageNumber > 1) && (
          <Pager label="Result pages" pager={pager} pageSize={RESULTS_PAGE_SIZE} page={results.data} />
        )}
      </section>
      <p>
        <Link to="/invocations">← All invocations</Link>
      </p>
    </>
  );
}

/** Admins only, and only while something can still be stopped; asks once before stopping. */
function StopControl({ invocation, onStopped }: { invocation: Invocation; onStopped: () => void }) {
  const { api, isAdmin } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (!isAdmin || FINAL_INVOCATION_STATUSES.has(invocation.status) || invocation.status === 'Stopping') return null;

  const stop = async (): Promise<void> => {
    setBusy(true);
    try {
      await api.post(`/invocations/${encodeURIComponent(invocation.invokeId)}/stop`, {});
      setConfirming(false);
      setError(null);
      onStopped();
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stop-control">
      <ErrorBanner error={error} />
      {confirming ? (
        <>
          <span>{invocation.timed ? 'Stop this schedule and any run in progress?' : 'Stop the runs still pending or running?'}</span>
          <button type="button" className="button-danger" onClick={() => void stop()} disabled={busy}>
            Confirm stop
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="button-danger" onClick={() => setConfirming(true)}>
          Stop invocation
        </button>
      )}
    </div>
  );
}
