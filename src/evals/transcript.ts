/**
 * Transcripts as stored: the sample's full result (messages, tool calls and outputs, scores
 * with explanations, timing, tokens, errors) as gzip-compressed JSON, optionally redacted and
 * sealed by a caller's hook (the controlled benchmark encrypts its transcripts).
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import type { SampleResult } from './runner.ts'

export interface TranscriptRef {
  runId: string
  sampleId: string
  epoch: number
}

/**
 * How a caller takes over transcripts: `redact` changes what is kept, `seal`/`open` wrap the
 * compressed bytes (e.g. envelope encryption). `scheme` names the seal so `open` knows it.
 *
 * @example
 * const hook: TranscriptHook = {
 *   scheme: 'envelope-v1',
 *   seal: async (bytes, ref) => Buffer.from(JSON.stringify(await envelopes.encrypt(bytes, `eval:${ref.runId}`))),
 *   open: async (bytes, ref) => envelopes.decrypt(JSON.parse(bytes.toString()), `eval:${ref.runId}`),
 * }
 */
export interface TranscriptHook {
  scheme?: string
  redact?(result: SampleResult, ref: TranscriptRef): SampleResult
  seal?(bytes: Buffer, ref: TranscriptRef): Promise<Buffer>
  open?(bytes: Buffer, ref: TranscriptRef): Promise<Buffer>
}

export async function encodeTranscript(
  result: SampleResult,
  ref: TranscriptRef,
  hook?: TranscriptHook,
): Promise<{ bytes: Buffer; scheme: string }> {
  const kept = hook?.redact ? hook.redact(result, ref) : result
  const zipped = gzipSync(Buffer.from(JSON.stringify(kept)), { level: 6 })
  if (!hook?.seal) return { bytes: zipped, scheme: 'gzip' }
  return { bytes: await hook.seal(zipped, ref), scheme: `gzip+${hook.scheme ?? 'sealed'}` }
}

export async function decodeTranscript(
  bytes: Uint8Array,
  scheme: string,
  ref: TranscriptRef,
  hook?: TranscriptHook,
): Promise<SampleResult> {
  let zipped = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (scheme !== 'gzip') {
    const sealed = scheme.slice('gzip+'.length)
    if (!hook?.open || (hook.scheme ?? 'sealed') !== sealed)
      throw new Error(
        `transcript of ${ref.sampleId} epoch ${ref.epoch} is sealed with "${sealed}"; it opens only with the transcript hook that sealed it`,
      )
    zipped = await hook.open(zipped, ref)
  }
  return JSON.parse(gunzipSync(zipped).toString('utf8')) as SampleResult
}
