import { FormEvent, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { Command, Instance, NewInvocation, Page } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { FrequencyPreview, useFrequencyPreview } from '../components/frequency-preview';
import { InstanceStatusBadge, OnlineBadge } from '../components/status-badge';
import { Time } from '../components/time';
import { navigate, useLocation } from '../router';
import { useSession } from '../session';
import { useResource } from '../use-resource';

/** The most a page of the REST surface holds; one page of each is enough to pick from. */
const PICK_LIMIT = 50;
const FREQUENCY_EXAMPLES = ['0 0 3 * * ?', '0 */15 * * * ?', 'rate(5m)', '0 30 2 ? * SUN America/New_York'];

export function InvokePage() {
  const { api, isAdmin } = useSession();
  const { query } = useLocation();
  const [commandId, setCommandId] = useState(query.get('commandId') ?? '');
  const [selected, setSelected] = useState<Set<string>>(() => new Set((query.get('instanceIds') ?? '').split(',').filter(Boolean)));
  const [timed, setTimed] = useState(false);
  const [frequency, setFrequency] = useState('');
  const [misfirePolicy, setMisfirePolicy] = useState('');
  const [parameters, setParameters] = useState<Record<string, string>>({});
  const [advanced, setAdvanced] = useState({ username: '', workingDir: '', timeout: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const commands = useResource((signal) => api.get<Page<Command>>('/commands', { pageSize: PICK_LIMIT }, signal), []);
  const instances = useResource((signal) => api.get<Page<Instance>>('/instances', { pageSize: PICK_LIMIT }, signal), []);
  const [linkedCommand, setLinkedCommand] = useState<Command | null>(null);
  const listed = commands.data?.items ?? [];
  const pickable = linkedCommand && !listed.some((item) => item.commandId === linkedCommand.commandId) ? [...listed, linkedCommand] : listed;
  const command = pickable.find((item) => item.commandId === commandId);
  const preview = useFrequencyPreview(timed ? frequency : '');

  // A command named in the URL that is not on the first page is fetched on its own.
  useEffect(() => {
    if (!commandId || !commands.data || commands.data.items.some((item) => item.commandId === commandId)) return;
    api.get<Command>(`/commands/${encodeURIComponent(commandId)}`).then(setLinkedCommand, () => undefined);
  }, [api, commandId, commands.data]);

  if (!isAdmin) {
    return (
      <div className="banner banner-error" role="alert">
        A readonly key cannot invoke commands.
      </div>
    );
  }

  const toggle = (instanceId: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(instanceId);
    else next.delete(instanceId);
    setSelected(next);
  };
  const canSubmit = Boolean(commandId) && selected.size > 0 && (!timed || preview.state === 'ok') && !busy;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!canSubmit) return;
    setBusy(true);
    setError(null);
    const body: NewInvocation = {
      commandId,
      instanceIds: [...selected],
      timed,
      frequency: timed ? frequency.trim() : undefined,
      misfirePolicy: timed && misfirePolicy ? misfirePolicy : undefined,
      parameters: command?.enableParameter ? parameters : undefined,
      username: advanced.username || undefined,
      workingDir: advanced.workingDir || undefined,
      timeout: advanced.timeout ? Number(advanced.timeout) : undefined,
    };
    try {
      const { invokeId } = await api.post<{ invokeId: string }>('/invocations', body);
      navigate(`/invocations/${encodeURIComponent(invokeId)}`);
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };

  return (
    <>
      <header className="page-header">
        <h1>Invoke a command</h1>
      </header>
      <form className="invoke" onSubmit={(event) => void submit(event)} aria-label="Invoke a command">
        <ErrorBanner error={error ?? commands.error ?? instances.error} />
        <section className="card">
          <h2>1. Command</h2>
          <label>
            Command
            <select aria-label="Command" value={commandId} onChange={(event) => setCommandId(event.target.value)} required>
              <option value="">Choose a command…</option>
              {pickable.map((item) => (
                <option key={item.commandId} value={item.commandId}>
                  {item.name} ({item.commandId})
                </option>
              ))}
            </select>
          </label>
          {command && (
            <>
              <pre className="output compact" aria-label="Command content">
                {command.content}
              </pre>
              <p className="dim small">
                {command.type} · timeout {command.timeout} s{command.workingDir && ` · in ${command.workingDir}`}
              </p>
              {command.enableParameter &&
                command.parameterNames.map((name) => (
                  <label key={name}>
                    Parameter {name}
                    <input className="mono" value={parameters[name] ?? ''} onChange={(event) => setParameters({ ...parameters, [name]: event.target.value })} />
                  </label>
                ))}
            </>
          )}
        </section>

        <section className="card">
          <h2>
            2. Instances <span className="dim small">({selected.size} selected)</span>
          </h2>
          <div className="table-wrap">
            <table aria-label="Instances to run on">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="offscreen">Select</span>
                  </th>
                  <th scope="col">Instance</th>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {instances.data?.items.map((instance) => (
                  <tr key={instance.instanceId}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Run on ${instance.instanceId}`}
                        checked={selected.has(instance.instanceId)}
                        onChange={(event) => toggle(instance.instanceId, event.target.checked)}
                      />
                    </td>
                    <td className="mono">{instance.instanceId}</td>
                    <td>{instance.instanceName || <span className="dim">—</span>}</td>
                    <td>
                      <InstanceStatusBadge status={instance.status} />
                    </td>
                    <td>
                      <OnlineBadge online={instance.agentOnline} />
                    </td>
                    <td>
                      <Time iso={instance.lastHeartbeatAt} relative />
                    </td>
                  </tr>
                ))}
                {instances.data?.items.length === 0 && (
                  <tr>
                    <td colSpan={6} className="empty">
                      No instances registered yet.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </section>

        <section className="card">
          <h2>3. When</h2>
          <fieldset className="radios">
            <legend className="offscreen">When to run</legend>
            <label className="checkbox">
              <input type="radio" name="when" checked={!timed} onChange={() => setTimed(false)} />
              Now, once
            </label>
            <label className="checkbox">
              <input type="radio" name="when" checked={timed} onChange={() => setTimed(true)} />
              On a schedule (timed)
            </label>
          </fieldset>
          {timed && (
            <div className="schedule">
              <div>
                <label>
                  Frequency
                  <input
                    className="mono"
                    value={frequency}
                    onChange={(event) => setFrequency(event.target.value)}
                    placeholder="0 0 3 * * ?"
                    aria-describedby="frequency-help"
                    required
                  />
                </label>
                <p id="frequency-help" className="dim small">
                  Seconds first (Quartz style), evaluated in UTC+08:00 unless a zone follows; or <code>rate(5m)</code>, or{' '}
                  <code>at(2026-12-01 08:00:00 Asia/Shanghai)</code>. Examples:{' '}
                  {FREQUENCY_EXAMPLES.map((example) => (
                    <button key={example} type="button" className="link mono" onClick={() => setFrequency(example)}>
                      {example}
                    </button>
                  ))}
                </p>
                <label>
                  Misfire policy
                  <select aria-label="Misfire policy" value={misfirePolicy} onChange={(event) => setMisfirePolicy(event.target.value)}>
                    <option value="">Default (run late within the grace window)</option>
                    <option value="FireOnceNow">FireOnceNow (always run the latest missed fire)</option>
                    <option value="Skip">Skip (never run late)</option>
                  </select>
                </label>
              </div>
              <FrequencyPreview preview={preview} />
            </div>
          )}
          <details>
            <summary>Advanced: user, working directory, timeout</summary>
            <div className="form-grid">
              <label>
                Username
                <input
                  className="mono"
                  value={advanced.username}
                  onChange={(event) => setAdvanced({ ...advanced, username: event.target.value })}
                  placeholder="root"
                />
              </label>
              <label>
                Working directory
                <input className="mono" value={advanced.workingDir} onChange={(event) => setAdvanced({ ...advanced, workingDir: event.target.value })} />
              </label>
              <label>
                Timeout (seconds)
                <input
                  type="number"
                  min={10}
                  max={86400}
                  value={advanced.timeout}
                  onChange={(event) => setAdvanced({ ...advanced, timeout: event.target.value })}
                />
              </label>
            </div>
          </details>
        </section>

        <div className="form-actions">
          <button type="submit" className="button-primary" disabled={!canSubmit}>
            {timed ? 'Save schedule' : 'Invoke now'}
          </button>
          {!commandId && <span className="dim small">Choose a command.</span>}
          {commandId && selected.size === 0 && <span className="dim small">Select at least one instance.</span>}
          {timed && commandId && selected.size > 0 && preview.state !== 'ok' && <span className="dim small">Enter a valid Frequency.</span>}
        </div>
      </form>
    </>
  );
}
