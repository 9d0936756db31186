/** Records finished of total, as a native progressbar (role and values come for free). */
export function Progress({ finished, total, label }: { finished: number; total: number; label: string }) {
  return (
    <span className="progress">
      <progress value={finished} max={Math.max(total, 1)} aria-label={label} />
      <span className="mono small">
        {finished}/{total}
      </span>
    </span>
  );
}
