import { FormEvent, useState } from 'react';
import { ApiError } from '../api/client';
import { Command, COMMAND_TYPES, CommandType, NewCommand, Page } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { Pager, usePager } from '../components/pager';
import { browserZone, Time } from '../components/time';
import { Link, setQuery, useLocation } from '../router';
import { useSession } from '../session';
import { useResource } from '../use-resource';

const PAGE_SIZE = 20;

export function CommandsPage() {
  const { api, isAdmin } = useSession();
  const { query } = useLocation();
  const name = query.get('name') ?? '';
  const [nameDraft, setNameDraft] = useState(name);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Command | null>(null);
  const pager = usePager(name);
  const list = useResource((signal) => api.get<Page<Command>>('/commands', { name, pageSize: PAGE_SIZE, nextToken: pager.token }, signal), [name, pager.token]);

  const search = (event: FormEvent): void => {
    event.preventDefault();
    setQuery({ name: nameDraft.trim() });
  };
  const items = list.data?.items ?? [];

  return (
    <>
      <header className="page-header">
        <h1>Commands</h1>
        <span className="spacer" />
        {isAdmin && !creating && (
          <button type="button" className="button-primary" onClick={() => setCreating(true)}>
            New command
          </button>
        )}
      </header>
      {creating && (
        <NewCommandForm
          onCancel={() => setCreating(false)}
          onCreated={(command) => {
            setCreating(false);
            setCreated(command);
            list.reload();
          }}
        />
      )}
      {created && (
        <div className="banner banner-good" role="status">
          Created <span className="mono">{created.commandId}</span> ({created.name}).{' '}
          <Link to={`/invoke?commandId=${encodeURIComponent(created.commandId)}`}>Invoke it</Link>
        </div>
      )}
      <form className="filters" onSubmit={search} aria-label="Filter commands">
        <label>
          Name
          <input value={nameDraft} onChange={(event) => setNameDraft(event.target.value)} placeholder="exact name" />
        </label>
        <div className="filter-actions">
          <button type="submit">Search</button>
        </div>
      </form>
      <ErrorBanner error={list.error} />
      <div className="table-wrap">
        <table aria-label="Commands">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Command ID</th>
              <th scope="col">Type</th>
              <th scope="col">Content</th>
              <th scope="col">Timeout</th>
              <th scope="col">Invoked</th>
              <th scope="col">Created ({browserZone()})</th>
              {isAdmin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((command) => (
              <tr key={command.commandId}>
                <td>
                  <span className="strong">{command.name}</span>
                  {command.description && <div className="dim small">{command.description}</div>}
                </td>
                <td className="mono small">{command.commandId}</td>
                <td className="small">{command.type}</td>
                <td>
                  <code className="content-preview" title={command.content}>
                    {command.content}
                  </code>
                  {command.enableParameter && command.parameterNames.length > 0 && (
                    <div className="dim small">parameters: {command.parameterNames.join(', ')}</div>
                  )}
                </td>
                <td className="mono small">{command.timeout} s</td>
                <td className="mono small">
                  <Link to={`/invocations?commandId=${encodeURIComponent(command.commandId)}`} title="Invocations of this command">
                    {command.invokeTimes}×
                  </Link>
                </td>
                <td>
                  <Time iso={command.createdAt} />
                </td>
                {isAdmin && (
                  <td>
                    <Link
                      to={`/invoke?commandId=${encodeURIComponent(command.commandId)}`}
                      className="button button-small"
                      aria-label={`Invoke ${command.name}`}
                    >
                      Invoke
                    </Link>
                  </td>
                )}
              </tr>
            ))}
            {list.data && items.length === 0 && (
              <tr>
                <td colSpan={isAdmin ? 8 : 7} className="empty">
                  No commands{name ? ` named ${name}` : ' yet'}.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager label="Command pages" pager={pager} pageSize={PAGE_SIZE} page={list.data} />
    </>
  );
}

function NewCommandForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (command: Command) => void }) {
  const { api } = useSession();
  const [form, setForm] = useState({
    name: '',
    type: 'RunShellScript' as CommandType,
    content: '',
    workingDir: '',
    timeout: '',
    description: '',
    enableParameter: false,
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    const body: NewCommand = {
      name: form.name.trim(),
      type: form.type,
      content: form.content,
      description: form.description || undefined,
      workingDir: form.workingDir || undefined,
      timeout: form.timeout ? Number(form.timeout) : undefined,
      enableParameter: form.enableParameter,
    };
    try {
      onCreated(await api.post<Command>('/commands', body));
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={(event) => void submit(event)} aria-label="New command">
      <h2>New command</h2>
      <ErrorBanner error={error} />
      <label>
        Name
        <input required maxLength={128} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </label>
      <label>
        Type
        <select aria-label="Type" value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value as CommandType })}>
          {COMMAND_TYPES.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </select>
      </label>
      <label className="wide">
        Content
        <textarea
          required
          rows={6}
          className="mono"
          spellCheck={false}
          value={form.content}
          onChange={(e) => setForm({ ...form, content: e.target.value })}
          placeholder={'#!/bin/bash\necho "hello from $(hostname)"'}
        />
      </label>
      <label>
        Working directory
        <input className="mono" value={form.workingDir} onChange={(e) => setForm({ ...form, workingDir: e.target.value })} placeholder="/root" />
      </label>
      <label>
        Timeout (seconds)
        <input type="number" min={10} max={86400} value={form.timeout} onChange={(e) => setForm({ ...form, timeout: e.target.value })} placeholder="60" />
      </label>
      <label className="wide">
        Description
        <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </label>
      <label className="checkbox wide">
        <input type="checkbox" checked={form.enableParameter} onChange={(e) => setForm({ ...form, enableParameter: e.target.checked })} />
        Enable parameters (<code>{'{{name}}'}</code> placeholders)
      </label>
      <div className="form-actions wide">
        <button type="submit" className="button-primary" disabled={busy}>
          Create command
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
