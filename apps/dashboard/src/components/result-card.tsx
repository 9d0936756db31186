import type { InvocationResult } from '../api/types';
import { CopyButton } from './copy-button';
import { StatusBadge } from './status-badge';
import { duration, Time } from './time';

/** One run on one instance: its outcome, times and decoded output. */
export function ResultCard({ result, timed }: { result: InvocationResult; timed: boolean }) {
  const title = `${result.instanceId}${timed && result.scheduledAt ? ` at ${result.scheduledAt}` : ''}`;
  return (
    <article className="card result" aria-label={`Run on ${title}`}>
      <header className="result-header">
        <span className="mono strong">{result.instanceId}</span>
        <StatusBadge status={result.status} />
        <span className="fact">
          exit code <span className="mono strong">{result.exitCode ?? '—'}</span>
        </span>
        {timed && (
          <span className="fact">
            fire <span className="mono strong">#{result.repeats}</span> scheduled <Time iso={result.scheduledAt} />
          </span>
        )}
        <span className="fact">
          started <Time iso={result.startedAt} />
        </span>
        <span className="fact">
          finished <Time iso={result.finishedAt ?? result.stoppedAt} />
        </span>
        <span className="fact dim">{duration(result.startedAt, result.finishedAt ?? result.stoppedAt)}</span>
        <span className="spacer" />
        <CopyButton text={result.output} label={`Copy output of ${result.instanceId}`} />
      </header>
      {(result.errorCode || result.errorInfo) && (
        <p className="result-error">
          <span className="mono strong">{result.errorCode}</span> {result.errorInfo}
        </p>
      )}
      <pre className="output" aria-label={`Output of ${result.instanceId}`} tabIndex={0}>
        {result.output || <span className="dim">(no output)</span>}
      </pre>
      {result.dropped > 0 && <p className="dim small">{result.dropped.toLocaleString()} more bytes were dropped: output keeps the first 24 KB.</p>}
    </article>
  );
}
