/**
 * Small timing helpers for the long-running loops of the bus and the relay
 * (internal: not exported from the package).
 */

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Exponential backoff with jitter for the `attempt`-th consecutive failure (1-based).
 * @default base 100 // milliseconds
 * @default cap 10_000 // 10 seconds
 */
export function backoffMs(attempt: number, base = 100, cap = 10_000): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * A wake-up latch for a loop that sleeps between polls. A `wake()` that comes
 * while the loop is busy is remembered, so the next `wait()` returns at once:
 * a notification racing with a query that just found nothing is never lost.
 */
export class Waker {
  private woken = false;
  private release: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.release?.();
  }

  /** Forgets earlier wake-ups; call right before looking for work. */
  clear(): void {
    this.woken = false;
  }

  /** Sleeps up to `ms`, less when woken (or already woken) or when `signal` aborts. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.woken && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.release = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.release = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
    this.woken = false;
  }
}
