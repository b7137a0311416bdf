/**
 * Witness cosigning (c2sp.org/tlog-witness): sends the latest signed checkpoint to each
 * configured witness with a consistency proof from the size that witness last cosigned, checks
 * the cosignatures it returns against its key, and keeps them next to the checkpoint.
 */
import type { Logger } from 'pino'
import type { Db } from '../platform/db/db.ts'
import { addCheckpointRequest, addCosignatures } from './checkpoint.ts'
import { type NoteVerifier, parseVerifierKey } from './note.ts'
import type { TranslogService } from './service.ts'
import * as store from './witness-store.ts'

export interface WitnessConfig {
  /** The witness's submission prefix, ending in `/`: requests go to `${url}add-checkpoint`. */
  readonly url: string
  /** Its cosignature verifier key (type 0x04); the key name names the witness. */
  readonly key: string
}

export interface WitnessDeps {
  db: Pick<Db, 'query' | 'transaction'>
  fetch: typeof fetch
  witnesses: readonly WitnessConfig[]
  translog: Pick<TranslogService, 'consistencyProof' | 'latestCheckpoint'>
  log: Pick<Logger, 'info' | 'warn'>
  /** How long one request may take before it is abandoned. */
  timeoutMs?: number
  now?: () => Date
}

export interface Cosigned {
  /** The witness's name (its key name). */
  witness: string
  size: number
  /** False when a stored cosignature already covered this size, so the witness was not asked. */
  asked: boolean
}

/** A witness could not cosign; `witness` names it and the message says why. */
export class WitnessError extends Error {
  readonly witness: string
  constructor(witness: string, message: string) {
    super(`witness ${witness}: ${message}`)
    this.name = 'WitnessError'
    this.witness = witness
  }
}

export interface CosignedCheckpoint {
  size: number
  /** The log's signed checkpoint with every stored cosignature appended: a C2SP signed note. */
  checkpoint: string
  cosignatures: store.CosignatureRow[]
}

export interface WitnessClient {
  /** True when at least one witness is configured. */
  readonly enabled: boolean
  /**
   * Asks every witness, independently and in parallel, to cosign the latest checkpoint. Throws
   * an AggregateError of WitnessErrors naming each witness that failed, after the others were
   * asked and their cosignatures stored.
   */
  cosignLatest(opts?: { signal?: AbortSignal }): Promise<Cosigned[]>
  /** The checkpoint of this size with its cosignatures; null if the log never signed that size. */
  cosignatures(size: number): Promise<CosignedCheckpoint | null>
}

/** Responses larger than this are not read: a witness answers with a few signature lines. */
const MAX_RESPONSE_BYTES = 64 * 1024
const SIZE_BODY = /^(0|[1-9][0-9]{0,15})\n$/

async function readLimited(res: Response): Promise<string> {
  const len = Number(res.headers.get('content-length') ?? 0)
  if (len > MAX_RESPONSE_BYTES) {
    await res.body?.cancel()
    throw new Error(`its answer is ${len} bytes; more than ${MAX_RESPONSE_BYTES} are not read`)
  }
  const text = await res.text()
  if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES)
    throw new Error(`its answer is larger than ${MAX_RESPONSE_BYTES} bytes`)
  return text
}

const brief = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s)

export function createWitnessClient(deps: WitnessDeps): WitnessClient {
  const { db, translog, log } = deps
  const timeoutMs = deps.timeoutMs ?? 10_000
  const now = deps.now ?? (() => new Date())
  const witnesses = deps.witnesses.map((w) => ({ url: w.url, verifier: parseVerifierKey(w.key) }))

  async function post(
    url: string,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; type: string }> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const res = await deps.fetch(`${url}add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      // A redirect would turn the POST into a GET; the configured URL must be the prefix itself.
      redirect: 'manual',
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    })
    return {
      status: res.status,
      text: await readLimited(res),
      type: res.headers.get('content-type') ?? '',
    }
  }

  async function request(oldSize: number, note: string, size: number): Promise<string> {
    const proof =
      oldSize === 0 || oldSize === size
        ? []
        : (await translog.consistencyProof(oldSize, size)).proof.map((h) => Buffer.from(h, 'hex'))
    return addCheckpointRequest(oldSize, proof, note)
  }

  async function cosignOne(
    w: { url: string; verifier: NoteVerifier },
    cp: { size: number; note: string },
    signal: AbortSignal | undefined,
  ): Promise<Cosigned> {
    const name = w.verifier.name
    const fail = (message: string) => new WitnessError(name, message)
    if (await store.hasCosignature(db, cp.size, name))
      return { witness: name, size: cp.size, asked: false }
    let oldSize = await store.witnessSize(db, name)
    if (oldSize > cp.size) oldSize = 0 // our record is ahead of the log: ask, and let a 409 say where the witness is
    for (let attempt = 1; ; attempt++) {
      let res: Awaited<ReturnType<typeof post>>
      try {
        res = await post(w.url, await request(oldSize, cp.note, cp.size), signal)
      } catch (err) {
        const e = err as Error
        const reason =
          e.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : `${e.message}${e.cause ? ` (${(e.cause as Error).message ?? String(e.cause)})` : ''}`
        throw fail(`request to ${w.url}add-checkpoint failed: ${reason}`)
      }
      if (res.status === 200) {
        let lines: string[]
        try {
          const { note, cosignatures } = addCosignatures(cp.note, res.text, [w.verifier])
          if (cosignatures.some((c) => c.timestamp === 0))
            throw new Error('a cosignature has timestamp 0, which tlog-witness forbids')
          lines = note.slice(cp.note.length).split('\n').filter(Boolean)
        } catch (err) {
          throw fail(`refused its answer: ${(err as Error).message}`)
        }
        // A repeated request for a size already cosigned returns nothing new to append.
        const line = lines[0]
        await db.transaction(async (tx) => {
          if (line)
            await store.insertCosignature(tx, {
              size: cp.size,
              witness: name,
              signature: line,
              receivedAt: now(),
            })
          await store.setWitnessSize(tx, name, cp.size, now())
        })
        log.info({ witness: name, size: cp.size, oldSize }, 'checkpoint cosigned by witness')
        return { witness: name, size: cp.size, asked: true }
      }
      if (res.status === 409 && attempt === 1) {
        if (!SIZE_BODY.test(res.text))
          throw fail(`answered 409 without its size (body ${brief(res.text)}, type ${res.type})`)
        const theirs = Number(res.text.trim())
        if (theirs > cp.size)
          throw fail(
            `has cosigned size ${theirs}, beyond this log's latest checkpoint (${cp.size}): it saw a larger tree than this log now has`,
          )
        log.info(
          { witness: name, ours: oldSize, theirs },
          'witness is at another size; retrying from its size',
        )
        oldSize = theirs
        continue
      }
      const why: Record<number, string> = {
        403: 'it does not trust this log key, or the signature did not verify',
        404: 'it does not know this log origin',
        409: 'it moved again after we retried from its size',
        422: 'it refused the consistency proof: its view of the log is not a prefix of this checkpoint',
      }
      throw fail(
        `answered ${res.status}${why[res.status] ? ` (${why[res.status]})` : ''}: ${brief(res.text)}`,
      )
    }
  }

  return {
    enabled: witnesses.length > 0,

    async cosignLatest(opts = {}) {
      if (witnesses.length === 0) return []
      const cp = await translog.latestCheckpoint()
      const results = await Promise.allSettled(witnesses.map((w) => cosignOne(w, cp, opts.signal)))
      const failed: Error[] = []
      const done: Cosigned[] = []
      for (const [i, r] of results.entries()) {
        if (r.status === 'fulfilled') {
          done.push(r.value)
          continue
        }
        const err =
          r.reason instanceof WitnessError
            ? r.reason
            : new WitnessError(
                witnesses[i]!.verifier.name,
                String((r.reason as Error)?.message ?? r.reason),
              )
        log.warn(
          { witness: err.witness, size: cp.size, reason: err.message },
          'witness did not cosign',
        )
        failed.push(err)
      }
      if (failed.length > 0)
        throw new AggregateError(
          failed,
          `${failed.length} of ${witnesses.length} witnesses did not cosign checkpoint ${cp.size}: ${failed.map((e) => e.message).join('; ')}`,
        )
      return done
    },

    async cosignatures(size) {
      const found = await store.cosignedCheckpoint(db, size)
      if (!found) return null
      const lines = found.cosignatures.map((c) => `${c.signature}\n`).join('')
      return { size, checkpoint: found.note + lines, cosignatures: found.cosignatures }
    },
  }
}
