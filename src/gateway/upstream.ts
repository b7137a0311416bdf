/**
 * One exchange with the lab's endpoint through undici's dispatch interface: the answer's
 * status and headers, then either its whole body (a JSON answer or an error) or, for a stream
 * the caller asked for, a live Readable of its chunks.
 *
 * Why dispatch and not undici's `request`: `request` wraps every answer in a Node stream,
 * which the gateway then read to the end for all but streamed answers; that stream and its
 * listeners were a measurable share of the gateway's CPU per request (docs/gateway.md,
 * benchmark). Here a complete answer is collected as chunks, and only a stream gets a stream.
 */
import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'

export type UpstreamHeaders = Record<string, string | string[] | undefined>

export type UpstreamAnswer =
  | { kind: 'complete'; status: number; headers: UpstreamHeaders; body: Buffer }
  | { kind: 'stream'; status: number; headers: UpstreamHeaders; body: Readable }

export interface UpstreamRequest {
  origin: string
  path: string
  headers: Record<string, string>
  body: Buffer
  /** Aborts the exchange (the client went away); the promise rejects, or the stream errors. */
  signal: AbortSignal
  /** Whether an answer with this status and content type is passed on as a live stream. */
  streams(status: number, contentType: string): boolean
}

/** A stream that is destroyed (the gateway cut it, or its reader left) aborts the upstream request. */
export function exchange(dispatcher: Dispatcher, req: UpstreamRequest): Promise<UpstreamAnswer> {
  const { signal } = req
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    let status = 0
    let headers: UpstreamHeaders = {}
    let stream: Readable | null = null
    let ended = false
    const chunks: Buffer[] = []
    let onAbort: (() => void) | null = null
    const settle = () => {
      ended = true
      if (onAbort) signal.removeEventListener('abort', onAbort)
    }
    dispatcher.dispatch(
      {
        origin: req.origin,
        path: req.path,
        method: 'POST',
        headers: req.headers,
        body: req.body,
      },
      {
        onRequestStart(controller) {
          onAbort = () => controller.abort(signal.reason)
          signal.addEventListener('abort', onAbort, { once: true })
        },
        onResponseStart(controller, statusCode, responseHeaders) {
          status = statusCode
          headers = responseHeaders as UpstreamHeaders
          const type = headers['content-type']
          if (!req.streams(status, typeof type === 'string' ? type : '')) return
          stream = new Readable({
            // The reader wants more: let undici read on from the socket.
            read: () => controller.resume(),
            destroy: (err, callback) => {
              if (!ended) controller.abort(err ?? new Error('the stream was cut'))
              callback(err)
            },
          })
          resolve({ kind: 'stream', status, headers, body: stream })
        },
        onResponseData(controller, chunk) {
          if (!stream) chunks.push(chunk)
          // The reader is behind: stop reading the socket until it asks for more.
          else if (!stream.push(chunk)) controller.pause()
        },
        onResponseEnd() {
          settle()
          if (stream) stream.push(null)
          else
            resolve({
              kind: 'complete',
              status,
              headers,
              body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
            })
        },
        onResponseError(_controller, error) {
          settle()
          if (stream) stream.destroy(error)
          else reject(error)
        },
      },
    )
  })
}
