import { formatTime } from './time';

export function LiveIndicator({ updatedAt, live = true }: { updatedAt: Date | null; live?: boolean }) {
  return (
    <span className="live dim small" title="Refreshed every 2.5 s while this tab is visible">
      {live && <span className="live-dot" aria-hidden="true" />}
      {live ? 'Live' : 'Final'}
      {updatedAt && ` · updated ${formatTime(updatedAt.toISOString()).slice(11)}`}
    </span>
  );
}
