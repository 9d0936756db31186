import { useCallback, useState } from 'react';
import type { Page } from '../api/types';

/**
 * The service pages with opaque forward tokens; going back means remembering the tokens that
 * led here. `resetKey` (the filters) starts again at page one when it changes.
 */
export function usePager(resetKey: string) {
  const [state, setState] = useState<{ key: string; tokens: (string | null)[] }>({ key: resetKey, tokens: [null] });
  const tokens = state.key === resetKey ? state.tokens : [null];
  const next = useCallback((token: string) => setState({ key: resetKey, tokens: [...tokens, token] }), [resetKey, tokens]);
  const previous = useCallback(() => setState({ key: resetKey, tokens: tokens.slice(0, -1) }), [resetKey, tokens]);
  return { token: tokens[tokens.length - 1], pageNumber: tokens.length, next, previous };
}

/** "1–20 of 57" and the two buttons, for a list read page by page with `usePager`. */
export function Pager({
  label,
  pager,
  pageSize,
  page,
}: {
  label: string;
  pager: ReturnType<typeof usePager>;
  pageSize: number;
  /** The page on screen; undefined while the first one loads. */
  page: Page<unknown> | undefined;
}) {
  const { pageNumber, next: onNext, previous: onPrevious } = pager;
  const itemCount = page?.items.length ?? 0;
  const totalCount = page?.totalCount;
  const nextToken = page?.nextToken;
  const first = (pageNumber - 1) * pageSize + (itemCount ? 1 : 0);
  const last = (pageNumber - 1) * pageSize + itemCount;
  return (
    <nav className="pager" aria-label={label}>
      <span className="dim">
        {first}–{last} of {totalCount ?? '…'}
      </span>
      <button type="button" className="button-small" onClick={onPrevious} disabled={pageNumber <= 1}>
        Previous page
      </button>
      <button type="button" className="button-small" onClick={() => nextToken && onNext(nextToken)} disabled={!nextToken}>
        Next page
      </button>
    </nav>
  );
}
