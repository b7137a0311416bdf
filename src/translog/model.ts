/** Transparency-log entries: their types and shape, RFC 8785 canonical bytes, and salted commitments to confidential fields. */
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'

/** Every kind of decision the log records. Names are stable: verifiers and reports match on them. */
export const ENTRY_TYPES = [
  'submission.registered',
  'submission.accepted',
  'submission.transitioned',
  'submission.dates_changed',
  'submission.withdrawn',
  'determination.made',
  'threshold_policy.approved',
  'threshold_policy.activated',
  'partner.proposed',
  'partner.approved',
  'partner.refused',
  'partner.appealed',
  'partner.vetted',
  'grant.issued',
  'grant.changed',
  'grant.revoked',
  'report.received',
  'report.triaged',
  'case.opened',
  'case.operators_allowed',
  'embargo.set',
  'embargo.changed',
  'advisory.published',
  'finding.decided',
  'suppression_rule.created',
] as const
export type EntryType = (typeof ENTRY_TYPES)[number]

export interface Subject {
  /** What the id names: `submission`, `organisation`, `grant`… */
  kind: string
  id: string
}

export interface Actor {
  orgId: string
  role: string
  personId?: string
}

/** A JSON value as canonical JSON can encode it (no undefined, no NaN, no Infinity). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** An entry as it is hashed and published. `commitments` stand in for confidential fields. */
export interface Entry {
  type: EntryType
  subjects: Subject[]
  actor: Actor
  /** ISO 8601, UTC. */
  at: string
  /** Public data of the decision. */
  data: Record<string, Json>
  /** Field name → hex SHA-256(salt ‖ canonical(value)); the salts are kept privately. */
  commitments?: Record<string, string>
}

/** What a service hands to `append`: the entry, with its confidential fields still in clear. */
export interface NewEntry extends Omit<Entry, 'commitments'> {
  /** Field name → value; published only as commitments. */
  confidential?: Record<string, Json>
}

/** An entry as stored: its index, leaf hash and the exact bytes that were hashed. */
export interface StoredEntry {
  index: number
  leafHash: Buffer
  body: Buffer
  entry: Entry
}

/**
 * RFC 8785 (JCS) canonical JSON as UTF-8 bytes: the same value always gives the same bytes, in
 * any language, which is what lets anyone re-derive an entry's leaf hash. Refuses what JSON
 * cannot carry rather than dropping it silently.
 */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value)
  if (text === undefined)
    throw new Error(
      'Canonical JSON needs a JSON value; undefined, functions and symbols have none.',
    )
  return Buffer.from(text, 'utf8')
}

/** Salts are 32 random bytes: enough that a committed value cannot be found by guessing. */
export const SALT_BYTES = 32

/**
 * SHA-256(salt ‖ canonical(value)), hex. Given the salt, anyone can check that a value is the
 * one committed; without it, even a short guessable value stays hidden.
 *
 * @example
 * commit(randomBytes(32), 'https://api.lab.example/v1') // → '3f1c…' (64 hex digits)
 */
export function commit(salt: Buffer, value: Json): string {
  if (salt.length !== SALT_BYTES)
    throw new Error(`A commitment salt must be ${SALT_BYTES} bytes, not ${salt.length}.`)
  return createHash('sha256').update(salt).update(canonicalBytes(value)).digest('hex')
}

/** True when `value` with `salt` opens the commitment: what an auditor runs. */
export function opens(commitment: string, salt: Buffer, value: Json): boolean {
  return salt.length === SALT_BYTES && commit(salt, value) === commitment.toLowerCase()
}

/**
 * Turns a new entry into its published form: each confidential field becomes a commitment,
 * with the salts returned separately for the private table. `salt` is injected (randomness
 * stays at the edge) and is called once per field.
 */
export function sealEntry(
  input: NewEntry,
  salt: () => Buffer,
): { entry: Entry; salts: Record<string, string> } {
  const { confidential, ...rest } = input
  const fields = Object.keys(confidential ?? {}).sort()
  if (fields.length === 0) return { entry: rest, salts: {} }
  const commitments: Record<string, string> = {}
  const salts: Record<string, string> = {}
  for (const field of fields) {
    if (field in rest.data)
      throw new Error(
        `Entry field ${field} is both public data and confidential; publish it or commit to it, not both.`,
      )
    const s = salt()
    commitments[field] = commit(s, confidential![field]!)
    salts[field] = s.toString('hex')
  }
  return { entry: { ...rest, commitments }, salts }
}

/** Ids of the subjects, for the lookup column. */
export const subjectIds = (e: Entry): string[] => [...new Set(e.subjects.map((s) => s.id))]
