/** Time is injected so windows, deadlines and expiries can be tested without sleeping. */

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock for tests: starts at `start` and only moves when told. */
export function fixedClock(
  start: Date | string,
): Clock & { set(d: Date | string): void; advance(ms: number): void } {
  let t = new Date(start).getTime()
  return {
    now: () => new Date(t),
    set: (d) => {
      t = new Date(d).getTime()
    },
    advance: (ms) => {
      t += ms
    },
  }
}

export const DAY_MS = 86_400_000
