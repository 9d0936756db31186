import { MicroBatcher, MicroBatcherOptions, Rejected } from './micro-batcher';

/** A batcher whose batches are recorded and answered by hand. */
function harness<I>(options: Omit<MicroBatcherOptions<I, string>, 'run'>) {
  const batches: I[][] = [];
  const answers: Array<{ resolve(results: Array<string | Rejected>): void; reject(error: unknown): void }> = [];
  const batcher = new MicroBatcher<I, string>({
    ...options,
    run: (items) =>
      new Promise((resolve, reject) => {
        batches.push(items);
        answers.push({ resolve, reject });
      }),
  });
  return { batcher, batches, answers };
}

const settled = <T>(promise: Promise<T>): Promise<string> =>
  promise.then(
    (value) => `ok:${String(value)}`,
    (error: Error) => `error:${error.message}`,
  );

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(MicroBatcher.name, () => {
  afterEach(() => jest.useRealTimers());

  it('tick: what arrives in one turn of the event loop shares one batch, and each caller gets its own result', async () => {
    const { batcher, batches, answers } = harness<number>({ schedule: 'tick' });
    const a = batcher.add(1);
    const b = batcher.add(2);
    expect(batches).toEqual([]);
    await nextTick();
    expect(batches).toEqual([[1, 2]]);
    const c = batcher.add(3);
    await nextTick();
    expect(batches).toEqual([[1, 2], [3]]);
    answers[0].resolve(['one', 'two']);
    answers[1].resolve(['three']);
    expect(await Promise.all([a, b, c])).toEqual(['one', 'two', 'three']);
  });

  it('a batch that throws fails every caller with its error; a Rejected result fails only its own caller', async () => {
    const { batcher, answers } = harness<number>({ schedule: 'tick' });
    const thrown = [settled(batcher.add(1)), settled(batcher.add(2))];
    await nextTick();
    answers[0].reject(new Error('database down'));
    expect(await Promise.all(thrown)).toEqual(['error:database down', 'error:database down']);
    const mixed = [settled(batcher.add(3)), settled(batcher.add(4))];
    await nextTick();
    answers[1].resolve(['fine', new Rejected(new Error('refused'))]);
    expect(await Promise.all(mixed)).toEqual(['ok:fine', 'error:refused']);
  });

  it('slot: sends at once while fewer than maxConcurrent batches are in flight; the rest builds up the next batch', async () => {
    const { batcher, batches, answers } = harness<number>({ schedule: 'slot', maxConcurrent: 2 });
    const results = [1, 2, 3, 4].map((n) => batcher.add(n));
    expect(batches).toEqual([[1], [2]]);
    answers[0].resolve(['a']);
    await results[0];
    await nextTick();
    expect(batches).toEqual([[1], [2], [3, 4]]);
    answers[1].resolve(['b']);
    answers[2].resolve(['c', 'd']);
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('slot: a batch stops at maxBatchWeight (a heavier single item goes alone), and conflicting keys never share a batch', async () => {
    const { batcher, batches, answers } = harness<{ key: string; weight: number }>({
      schedule: 'slot',
      maxConcurrent: 1,
      maxBatchWeight: 10,
      weight: (item) => item.weight,
      conflictKey: (item) => item.key,
    });
    const item = (key: string, weight: number) => ({ key, weight });
    void batcher.add(item('first', 1));
    for (const queued of [item('a', 4), item('a', 1), item('b', 5), item('c', 1), item('huge', 30)]) void batcher.add(queued);
    answers[0].resolve(['x']);
    await nextTick();
    // The second 'a' waits for a later batch; 4 + 5 + 1 fills this one; 'huge' would overflow the next.
    expect(batches[1]).toEqual([item('a', 4), item('b', 5), item('c', 1)]);
    answers[1].resolve(['x', 'x', 'x']);
    await nextTick();
    expect(batches[2]).toEqual([item('a', 1)]);
    answers[2].resolve(['x']);
    await nextTick();
    expect(batches[3]).toEqual([item('huge', 30)]);
  });

  it('delay: waits the given milliseconds after the first item, or sends at once when a full batch is queued', async () => {
    jest.useFakeTimers();
    const { batcher, batches } = harness<number>({ schedule: 200, maxBatchWeight: 3 });
    void batcher.add(1);
    await jest.advanceTimersByTimeAsync(199);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1]]);
    void batcher.add(2);
    void batcher.add(3);
    void batcher.add(4);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(batches).toHaveLength(2);
  });

  it('drain sends what is queued now and resolves once every batch has settled', async () => {
    jest.useFakeTimers();
    const { batcher, batches, answers } = harness<number>({ schedule: 10_000 });
    const result = batcher.add(1);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    expect(batches).toEqual([[1]]);
    await Promise.resolve();
    expect(drained).toBe(false);
    answers[0].resolve(['done']);
    await draining;
    expect(await result).toBe('done');
  });
});
