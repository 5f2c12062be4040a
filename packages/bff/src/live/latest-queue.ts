/**
 * An async iterator that keeps only the latest value per key: a consumer that
 * reads slowly (a slow socket: graphql-ws awaits each send) sees every key's
 * newest state, never a backlog, so memory per subscriber is bounded by the
 * number of keys it watches. Keys come out in the order they first changed.
 */
export class LatestQueue<T> implements AsyncIterableIterator<T> {
  private readonly pending = new Map<string, T>();
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;
  private held = true;

  constructor(private readonly onClose: () => void) {}

  /** Queues `value` under `key`, replacing an unsent older value of the same key. */
  put(key: string, value: T): void {
    if (this.closed) return;
    // Map.set on a present key keeps its place: a sku that keeps changing is not pushed behind the others.
    this.pending.set(key, value);
    this.flush();
  }

  /** Values queued before `open()` wait (the snapshot is being read); then they flow. */
  open(): void {
    this.held = false;
    this.flush();
  }

  get size(): number {
    return this.pending.size;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    const first = this.take();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(err);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    this.waiter?.({ done: true, value: undefined });
    this.waiter = undefined;
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private take(): IteratorResult<T> | undefined {
    if (this.held) return undefined;
    const entry = this.pending.entries().next();
    if (entry.done) return undefined;
    this.pending.delete(entry.value[0]);
    return { done: false, value: entry.value[1] };
  }

  private flush() {
    if (!this.waiter) return;
    const first = this.take();
    if (!first) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter(first);
  }
}
