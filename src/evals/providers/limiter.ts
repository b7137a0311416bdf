/**
 * A per-provider connection limit that adapts to rate limiting (additive increase,
 * multiplicative decrease, as TCP does): a 429 halves the limit, at most once per cool-down so
 * one burst of 429s counts once; each full round of successes grows it back by one, up to the
 * configured maximum. Waiters are served first come, first served.
 */

export interface LimiterOptions {
  max: number
  min?: number
  /** Milliseconds in which further 429s do not shrink the limit again. */
  coolDownMs?: number
  now?: () => number
}

export class AdaptiveLimiter {
  readonly max: number
  readonly min: number
  #limit: number
  #active = 0
  #okSinceChange = 0
  #lastDecrease = Number.NEGATIVE_INFINITY
  #waiters: Array<() => void> = []
  #coolDownMs: number
  #now: () => number

  constructor(opts: LimiterOptions) {
    if (!Number.isInteger(opts.max) || opts.max < 1)
      throw new Error(`max connections must be a whole number ≥ 1, not ${opts.max}`)
    this.max = opts.max
    this.min = Math.min(opts.min ?? 1, opts.max)
    this.#limit = opts.max
    this.#coolDownMs = opts.coolDownMs ?? 1000
    this.#now = opts.now ?? Date.now
  }

  get limit(): number {
    return this.#limit
  }
  get active(): number {
    return this.#active
  }
  get waiting(): number {
    return this.#waiters.length
  }

  /** Resolves when a connection is free; the caller must `release` it exactly once. */
  acquire(): Promise<void> {
    if (this.#active < this.#limit) {
      this.#active++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  release(outcome: 'ok' | 'rate_limited' | 'error'): void {
    this.#active--
    if (outcome === 'rate_limited') {
      const now = this.#now()
      if (now - this.#lastDecrease >= this.#coolDownMs) {
        this.#limit = Math.max(this.min, Math.floor(this.#limit / 2))
        this.#lastDecrease = now
        this.#okSinceChange = 0
      }
    } else if (outcome === 'ok' && this.#limit < this.max) {
      if (++this.#okSinceChange >= this.#limit) {
        this.#limit++
        this.#okSinceChange = 0
      }
    }
    while (this.#active < this.#limit && this.#waiters.length) {
      this.#active++
      this.#waiters.shift()!()
    }
  }
}

/** A plain counting semaphore: the caps on concurrent samples and concurrent sandboxes. */
export class Semaphore {
  #free: number
  #waiters: Array<() => void> = []
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`a cap must be a whole number ≥ 1, not ${n}`)
    this.#free = n
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await fn()
    } finally {
      this.release()
    }
  }
  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiters.push(resolve))
  }
  release(): void {
    const next = this.#waiters.shift()
    if (next) next()
    else this.#free++
  }
}
