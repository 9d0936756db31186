import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import type { FrequencyPreview as Preview } from '../api/types';
import { useSession } from '../session';
import { ErrorBanner } from './error-banner';
import { browserZone, Time } from './time';

const PREVIEW_COUNT = 5;
const DEBOUNCE_MS = 350;

export type PreviewState = { state: 'empty' | 'loading' } | { state: 'ok'; preview: Preview } | { state: 'invalid'; error: ApiError };

/** Asks the service (GET /v1/frequency-preview) while the operator types: the same parser that will run the schedule. */
export function useFrequencyPreview(frequency: string): PreviewState {
  const { api } = useSession();
  const [preview, setPreview] = useState<PreviewState>({ state: 'empty' });
  useEffect(() => {
    const source = frequency.trim();
    if (!source) return setPreview({ state: 'empty' });
    setPreview({ state: 'loading' });
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.get<Preview>('/frequency-preview', { frequency: source, count: PREVIEW_COUNT }, controller.signal).then(
        (answer) => setPreview({ state: 'ok', preview: answer }),
        (error: unknown) => {
          if (!controller.signal.aborted) setPreview({ state: 'invalid', error: error as ApiError });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, frequency]);
  return preview;
}

export function FrequencyPreview({ preview }: { preview: PreviewState }) {
  return (
    <section className="preview" aria-labelledby="preview-title" aria-live="polite">
      <h3 id="preview-title">Next fire times</h3>
      {preview.state === 'empty' && <p className="dim">Type a Frequency to see when it fires.</p>}
      {preview.state === 'loading' && <p className="dim">Checking…</p>}
      {preview.state === 'invalid' && <ErrorBanner error={preview.error} />}
      {preview.state === 'ok' &&
        (preview.preview.fireTimes.length ? (
          <ol className="fire-times" aria-label="Next fire times">
            {preview.preview.fireTimes.map((fire) => (
              <li key={fire.time}>
                <Time iso={fire.time} relative />
                <span className="dim small mono"> · {fire.localTime.replace('T', ' ')}</span>
                {fire.daylightSavingGap && <span className="badge badge-warn">DST gap</span>}
                {fire.daylightSavingOverlap && <span className="badge badge-warn">DST overlap</span>}
              </li>
            ))}
          </ol>
        ) : (
          <p className="dim">It never fires again.</p>
        ))}
      <p className="dim small">
        In {browserZone()}, then in the schedule's own zone
        {preview.state === 'ok' && (
          <>
            {' '}
            (<span className="mono">{preview.preview.timeZone}</span>)
          </>
        )}
        .
      </p>
    </section>
  );
}
