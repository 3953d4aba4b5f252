import { HttpError } from './http-errors.ts';

/** Addresses tracked at once: beyond this the oldest window is dropped, so a spray of addresses cannot fill the heap. */
const MAX_ADDRESSES = 100_000;

/**
 * Failed authentications per client address in a fixed one-minute window: bad bearer
 * keys and console sign-in guesses. Checked before a key is looked at, so an address past
 * the limit learns nothing more until its window ends. In memory, per API process: each
 * process allows `limit`, so N processes allow N × `limit` guesses a minute, still far too
 * few to find a key of 192 random bits.
 */
export class AuthFailureLimit {
  // Insertion order is window start order: the first entry is the oldest.
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws 429 (with Retry-After) when `address` used up its failures in this window. */
  check(address: string): void {
    const window = this.current(address);
    if (window && window.failures >= this.limit) {
      const seconds = Math.max(1, Math.ceil((window.endsAt - this.now()) / 1000));
      throw new HttpError(
        429,
        'too_many_failures',
        `more than ${this.limit} failed authentications a minute from this address; retry in ${seconds} s`,
        undefined,
        { 'retry-after': String(seconds) },
      );
    }
  }

  /** Counts one failed authentication from `address`. */
  fail(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(address, { failures: 1, endsAt: this.now() + this.windowMs });
  }

  private current(address: string) {
    const window = this.windows.get(address);
    if (window && window.endsAt <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
