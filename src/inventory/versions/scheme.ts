/** The shape every per-ecosystem comparator file exports, and the error they raise for bad input. */

/**
 * One ordering of versions. `compare` throws {@link VersionSyntaxError} for a version the
 * scheme cannot read; `coarse` gives the leading numeric parts used for database pre-filtering
 * (see coarse.ts for the guarantee), or null when the version cannot be placed safely.
 */
export interface VersionScheme<P = unknown> {
  readonly name: string
  /** Reads a version once, so a matcher compiles an advisory's bounds and reuses them. */
  parse(v: string): P
  compareParsed(a: P, b: P): number
  /** `[epoch, major, minor, patch]` as digit strings; fewer entries when only a prefix is safe. */
  coarse(v: string): string[] | null
  /** A form equal for versions the scheme holds equal (`1.0` and `1.0.0` in PEP 440), for set lookups. */
  canonical?(p: P): string
}

export function defineScheme<P>(s: VersionScheme<P>): VersionScheme<P> {
  return s
}

export function isValid(s: VersionScheme, v: string): boolean {
  try {
    s.parse(v)
    return true
  } catch (err) {
    if (err instanceof VersionSyntaxError) return false
    throw err
  }
}

export function compareWith(s: VersionScheme, a: string, b: string): number {
  return s.compareParsed(s.parse(a), s.parse(b))
}

/** A version the scheme cannot read. index.ts turns it into an AppError naming the ecosystem. */
export class VersionSyntaxError extends Error {
  readonly version: string
  constructor(version: string, reason: string) {
    super(`"${version}" ${reason}`)
    this.name = 'VersionSyntaxError'
    this.version = version
  }
}

/** Leading digits of `s` (empty when it does not start with one). */
export function leadingDigits(s: string): string {
  const m = /^\d+/.exec(s)
  return m ? m[0] : ''
}
