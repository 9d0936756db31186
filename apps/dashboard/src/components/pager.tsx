import { useCallback, useState } from 'react';

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

export function Pager({
  pageNumber,
  pageSize,
  itemCount,
  totalCount,
  nextToken,
  onNext,
  onPrevious,
  label,
}: {
  pageNumber: number;
  pageSize: number;
  itemCount: number;
  totalCount: number | undefined;
  nextToken: string | null | undefined;
  onNext(token: string): void;
  onPrevious(): void;
  label: string;
}) {
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
