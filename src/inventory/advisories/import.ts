/**
 * Reading advisory import paths: a JSON file (one OSV record, an array of them, a native
 * record, or the KEV catalog), JSON Lines (`.jsonl`, optionally gzipped: one document a line),
 * a zip dump (osv.dev's `all.zip`: one JSON file per record, read entry by entry with yauzl,
 * never whole into memory), or a directory of any of these, recursively.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { createGunzip, gunzipSync } from 'node:zlib'
import yauzl from 'yauzl'
import { invalid } from '../../platform/errors.ts'
import type { ImportItem } from './service.ts'

const KINDS = ['.zip', '.jsonl.gz', '.jsonl', '.json.gz', '.json'] as const
type Kind = (typeof KINDS)[number]

function kindOf(file: string): Kind | null {
  return KINDS.find((k) => file.toLowerCase().endsWith(k)) ?? null
}

/** The files an import path names, in a stable order. */
export function importFiles(path: string): string[] {
  let st: ReturnType<typeof statSync>
  try {
    st = statSync(path)
  } catch {
    throw invalid('path', `${path} does not exist or cannot be read`)
  }
  if (st.isFile()) {
    if (!kindOf(path))
      throw invalid('path', `${path} is not .json, .jsonl, .jsonl.gz, .json.gz or .zip`)
    return [path]
  }
  const files = readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((f) => join(path, f))
    .filter((f) => kindOf(f) && statSync(f).isFile())
    .sort()
  if (files.length === 0)
    throw invalid('path', `${path} holds no .json, .jsonl, .jsonl.gz, .json.gz or .zip files`)
  return files
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  )
}

function entryText(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err)
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      stream.on('error', reject)
    }),
  )
}

/** The JSON entries of a zip, one at a time. */
async function* zipItems(file: string): AsyncGenerator<ImportItem> {
  const zip = await openZip(file)
  const entries: AsyncGenerator<yauzl.Entry> = (async function* () {
    while (true) {
      const next = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry) => {
          zip.off('end', onEnd)
          zip.off('error', onError)
          resolve(e)
        }
        const onEnd = () => {
          zip.off('entry', onEntry)
          zip.off('error', onError)
          resolve(null)
        }
        const onError = (err: Error) => {
          zip.off('entry', onEntry)
          zip.off('end', onEnd)
          reject(err)
        }
        zip.once('entry', onEntry)
        zip.once('end', onEnd)
        zip.once('error', onError)
        zip.readEntry()
      })
      if (!next) return
      yield next
    }
  })()
  for await (const entry of entries) {
    if (!entry.fileName.toLowerCase().endsWith('.json')) continue
    const where = `${basename(file)}:${entry.fileName}`
    yield parsed(where, await entryText(zip, entry))
  }
}

function parsed(where: string, text: string): ImportItem {
  try {
    return { where, doc: JSON.parse(text) }
  } catch (err) {
    return { where, doc: null, error: `not JSON: ${(err as Error).message}` }
  }
}

async function* lineItems(file: string, gz: boolean): AsyncGenerator<ImportItem> {
  let stream: Readable = createReadStream(file)
  if (gz) stream = stream.pipe(createGunzip())
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  let n = 0
  for await (const line of lines) {
    n++
    if (line.trim() === '') continue
    yield parsed(`${basename(file)}:${n}`, line)
  }
}

/** Every document under an import path, file by file. */
export async function* importItems(path: string): AsyncGenerator<ImportItem> {
  for (const file of importFiles(path)) {
    const kind = kindOf(file)!
    if (kind === '.zip') yield* zipItems(file)
    else if (kind === '.jsonl' || kind === '.jsonl.gz') yield* lineItems(file, kind === '.jsonl.gz')
    else {
      const buf = await readFile(file)
      yield parsed(basename(file), (kind === '.json.gz' ? gunzipSync(buf) : buf).toString('utf8'))
    }
  }
}

/** How many records the path holds (for the progress bar): lines, zip entries, array items. */
export async function countRecords(path: string): Promise<number> {
  let n = 0
  for (const file of importFiles(path)) {
    const kind = kindOf(file)!
    if (kind === '.zip') {
      const zip = await openZip(file)
      n += zip.entryCount
      zip.close()
    } else if (kind === '.jsonl' || kind === '.jsonl.gz') {
      for await (const _ of lineItemsCount(file, kind === '.jsonl.gz')) n++
    } else n++
  }
  return n
}

async function* lineItemsCount(file: string, gz: boolean): AsyncGenerator<true> {
  let stream: Readable = createReadStream(file)
  if (gz) stream = stream.pipe(createGunzip())
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of lines) if (line.trim() !== '') yield true
}
