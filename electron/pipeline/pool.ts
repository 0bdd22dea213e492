/**
 * A concurrency pool for tool jobs: SExtractor and PSFEx are separate
 * single-threaded processes, so N jobs in flight keep N cores busy while the
 * main process only waits. The first failure stops new jobs from starting and
 * is rethrown once the running ones have settled.
 */
export class JobPool {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private failed = false;

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`JobPool needs a size >= 1, got ${size}`);
  }

  /** Run `job` when a slot is free (a finishing job hands its slot straight to the next in line). */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((go) => this.queue.push(go));
    else this.running++;
    try {
      if (this.failed) throw new PoolStopped();
      return await job();
    } catch (err) {
      if (!(err instanceof PoolStopped)) this.failed = true;
      throw err;
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

class PoolStopped extends Error {
  constructor() {
    super('not started: an earlier job of this pool failed');
  }
}

/**
 * Every item through `fn` on the pool; resolves with the results in order,
 * or rejects with the first error after every started job has settled.
 */
export async function mapPool<T, R>(pool: JobPool, items: T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const settled = await Promise.allSettled(items.map((item, i) => pool.run(() => fn(item, i))));
  const errors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason);
  if (errors.length) throw errors.find((e) => !(e instanceof PoolStopped)) ?? errors[0];
  return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}
