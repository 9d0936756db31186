import { useState } from 'react';
import { Instance, Page } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { LiveIndicator } from '../components/live-indicator';
import { Pager, usePager } from '../components/pager';
import { InstanceStatusBadge, OnlineBadge } from '../components/status-badge';
import { browserZone, Time } from '../components/time';
import { Link, navigate, setQuery, useLocation } from '../router';
import { useSession } from '../session';
import { useResource } from '../use-resource';

const PAGE_SIZE = 50;
/** Heartbeats come every 10 s; a slower refresh than the invocations list is plenty. */
const INSTANCES_POLL_MS = 5000;
const INSTANCE_STATUSES = ['Running', 'Stopped', 'Starting', 'Stopping', 'Pending'];

export function InstancesPage() {
  const { api, isAdmin } = useSession();
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const pager = usePager(status);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const list = useResource(
    (signal) => api.get<Page<Instance>>('/instances', { status, pageSize: PAGE_SIZE, nextToken: pager.token }, signal),
    [status, pager.token],
    INSTANCES_POLL_MS,
  );
  const items = list.data?.items ?? [];

  const toggle = (instanceId: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(instanceId);
    else next.delete(instanceId);
    setSelected(next);
  };
  const invokeSelected = (): void => navigate(`/invoke?instanceIds=${encodeURIComponent([...selected].join(','))}`);

  return (
    <>
      <header className="page-header">
        <h1>Instances</h1>
        <LiveIndicator updatedAt={list.updatedAt} />
        <span className="spacer" />
        {isAdmin && (
          <button type="button" className="button-primary" disabled={selected.size === 0} onClick={invokeSelected}>
            Invoke on {selected.size || ''} selected
          </button>
        )}
      </header>
      <form className="filters" aria-label="Filter instances" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status
          <select aria-label="Status" value={status} onChange={(event) => setQuery({ status: event.target.value })}>
            <option value="">Any</option>
            {INSTANCE_STATUSES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBanner error={list.error} />
      <div className="table-wrap">
        <table aria-label="Instances">
          <thead>
            <tr>
              {isAdmin && (
                <th scope="col">
                  <span className="offscreen">Select</span>
                </th>
              )}
              <th scope="col">Instance</th>
              <th scope="col">Name</th>
              <th scope="col">Hostname</th>
              <th scope="col">OS</th>
              <th scope="col">Status</th>
              <th scope="col">Agent</th>
              <th scope="col">Agent version</th>
              <th scope="col">Last heartbeat ({browserZone()})</th>
              <th scope="col">Active runs</th>
              <th scope="col">Invocations</th>
            </tr>
          </thead>
          <tbody>
            {items.map((instance) => (
              <tr key={instance.instanceId}>
                {isAdmin && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${instance.instanceId}`}
                      checked={selected.has(instance.instanceId)}
                      onChange={(event) => toggle(instance.instanceId, event.target.checked)}
                    />
                  </td>
                )}
                <td className="mono">{instance.instanceId}</td>
                <td>{instance.instanceName || <span className="dim">—</span>}</td>
                <td className="mono small">{instance.hostname || <span className="dim">—</span>}</td>
                <td className="small">{instance.osType || <span className="dim">—</span>}</td>
                <td>
                  <InstanceStatusBadge status={instance.status} />
                </td>
                <td>
                  <OnlineBadge online={instance.agentOnline} />
                </td>
                <td className="mono small">{instance.agentVersion || <span className="dim">—</span>}</td>
                <td>
                  <Time iso={instance.lastHeartbeatAt} relative />
                </td>
                <td className="mono small">{instance.activeTaskCount}</td>
                <td className="small">
                  <Link to={`/invocations?instanceId=${encodeURIComponent(instance.instanceId)}`} aria-label={`Invocations on ${instance.instanceId}`}>
                    {instance.invocationCount}
                  </Link>
                  {instance.lastInvokedAt && (
                    <span className="dim">
                      {' '}
                      · last <Time iso={instance.lastInvokedAt} />
                    </span>
                  )}
                </td>
              </tr>
            ))}
            {list.data && items.length === 0 && (
              <tr>
                <td colSpan={isAdmin ? 11 : 10} className="empty">
                  No instances{status ? ` with status ${status}` : ''}. Register one with <code>npm run agent -- register</code>.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager label="Instance pages" pager={pager} pageSize={PAGE_SIZE} page={list.data} />
    </>
  );
}
