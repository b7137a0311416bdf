/**
 * Datasets: JSON, JSONL and CSV files read into samples through a field mapping (or a
 * function), then selected: shuffled with a seed, limited, or picked by id. A bad row is
 * refused with the file, the row and the field named.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import type { ChatMessage, Sample, SampleMetadata } from './model.ts'
import { seededRng, shuffled } from './random.ts'

export class DatasetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DatasetError'
  }
}

export const DATASET_FORMATS = ['json', 'jsonl', 'csv'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

/** Where each sample field comes from in a row; dotted paths reach into nested objects. */
export interface FieldMap {
  id?: string
  input: string
  target?: string
  /** A field holding an array of options, or a list of fields, one option each (CSV columns). */
  choices?: string | string[]
  category?: string
  difficulty?: string
  group?: string
  /** Further fields copied into metadata under their own names. */
  metadata?: string[]
  files?: string
  setup?: string
}

export type RowMapper = (row: Record<string, unknown>, index: number) => Sample

export interface DatasetSource {
  file: string
  format?: DatasetFormat
  fields: FieldMap | RowMapper
}

export function formatOf(file: string, format?: DatasetFormat): DatasetFormat {
  if (format) return format
  const ext = path.extname(file).slice(1).toLowerCase()
  if ((DATASET_FORMATS as readonly string[]).includes(ext)) return ext as DatasetFormat
  throw new DatasetError(
    `${file}: cannot tell the dataset format from the extension "${ext}"; name it .json, .jsonl or .csv, or give format: json|jsonl|csv`,
  )
}

export async function loadDataset(src: DatasetSource): Promise<Sample[]> {
  let text: string
  try {
    text = await readFile(src.file, 'utf8')
  } catch (err) {
    throw new DatasetError(`${src.file}: cannot read the dataset (${(err as Error).message})`)
  }
  return parseDataset(text, src)
}

export function parseDataset(text: string, src: DatasetSource): Sample[] {
  const rows = readRows(text, src.file, formatOf(src.file, src.format))
  const samples: Sample[] = []
  const seen = new Map<string, number>()
  for (const { row, line } of rows) {
    const where = `${src.file}:${line}`
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      throw new DatasetError(
        `${where}: a row must be an object, not ${JSON.stringify(row)?.slice(0, 40)}`,
      )
    const sample =
      typeof src.fields === 'function'
        ? src.fields(row as Record<string, unknown>, samples.length)
        : mapRow(row as Record<string, unknown>, src.fields, where, samples.length)
    const prev = seen.get(sample.id)
    if (prev !== undefined)
      throw new DatasetError(
        `${where}: id "${sample.id}" repeats the id of the row at line ${prev}`,
      )
    seen.set(sample.id, line)
    samples.push(sample)
  }
  return samples
}

function readRows(text: string, file: string, format: DatasetFormat) {
  if (format === 'jsonl') {
    const out: Array<{ row: unknown; line: number }> = []
    for (const [i, raw] of text.split('\n').entries()) {
      if (!raw.trim()) continue
      try {
        out.push({ row: JSON.parse(raw), line: i + 1 })
      } catch (err) {
        throw new DatasetError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`)
      }
    }
    return out
  }
  if (format === 'json') {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (err) {
      throw new DatasetError(`${file}: not valid JSON (${(err as Error).message})`)
    }
    const list = Array.isArray(doc) ? doc : (doc as { samples?: unknown })?.samples
    if (!Array.isArray(list))
      throw new DatasetError(
        `${file}: expected an array of rows (or an object with a "samples" array)`,
      )
    // JSON arrays have no line numbers; rows are named by their 1-based position.
    return list.map((row, i) => ({ row, line: i + 1 }))
  }
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: true })
    return (records as Array<{ record: Record<string, string>; info: { lines: number } }>).map(
      (r) => ({ row: r.record, line: r.info.lines }),
    )
  } catch (err) {
    throw new DatasetError(`${file}: not valid CSV (${(err as Error).message})`)
  }
}

function pick(row: Record<string, unknown>, field: string): unknown {
  if (field in row) return row[field]
  let v: unknown = row
  for (const part of field.split('.')) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

function text(v: unknown, where: string, field: string, required: boolean): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new DatasetError(`${where}: field "${field}" is missing or empty`)
    return undefined
  }
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new DatasetError(
    `${where}: field "${field}" must be text, not ${Array.isArray(v) ? 'an array' : typeof v}`,
  )
}

function mapRow(row: Record<string, unknown>, f: FieldMap, where: string, index: number): Sample {
  const id = f.id ? text(pick(row, f.id), where, f.id, true)! : String(index + 1)
  const rawInput = pick(row, f.input)
  let input: string | ChatMessage[]
  if (Array.isArray(rawInput)) {
    input = rawInput.map((m, i) => {
      const msg = m as { role?: unknown; content?: unknown }
      if (
        !['system', 'user', 'assistant'].includes(String(msg?.role)) ||
        typeof msg?.content !== 'string'
      )
        throw new DatasetError(
          `${where}: field "${f.input}[${i}]" must be a message {role: system|user|assistant, content: text}`,
        )
      return { role: msg.role as 'system' | 'user' | 'assistant', content: msg.content }
    })
  } else input = text(rawInput, where, f.input, true)!
  let target: string[] = []
  if (f.target) {
    const t = pick(row, f.target)
    if (Array.isArray(t)) target = t.map((x, i) => text(x, where, `${f.target}[${i}]`, true)!)
    else target = [text(t, where, f.target, true)!]
  }
  let choices: string[] | undefined
  if (Array.isArray(f.choices)) {
    choices = f.choices
      .map((c) => text(pick(row, c), where, c, false))
      .filter((c): c is string => c !== undefined)
  } else if (f.choices) {
    let c = pick(row, f.choices)
    if (typeof c === 'string' && c.trim().startsWith('[')) {
      try {
        c = JSON.parse(c)
      } catch {
        /* reported below as not an array */
      }
    }
    if (!Array.isArray(c))
      throw new DatasetError(`${where}: field "${f.choices}" must be an array of options`)
    choices = c.map((x, i) => text(x, where, `${f.choices}[${i}]`, true)!)
  }
  if (choices && choices.length < 2)
    throw new DatasetError(
      `${where}: multiple choice needs at least two options, found ${choices.length}`,
    )
  const metadata: SampleMetadata = {}
  for (const k of ['category', 'difficulty', 'group'] as const) {
    const field = f[k]
    if (field) {
      const v = text(pick(row, field), where, field, false)
      if (v !== undefined) metadata[k] = v
    }
  }
  for (const m of f.metadata ?? []) metadata[m] = pick(row, m)
  let files: Record<string, string> | undefined
  if (f.files) {
    const v = pick(row, f.files)
    if (v !== undefined) {
      if (
        !v ||
        typeof v !== 'object' ||
        Array.isArray(v) ||
        Object.values(v).some((x) => typeof x !== 'string')
      )
        throw new DatasetError(`${where}: field "${f.files}" must be an object of path → file text`)
      files = v as Record<string, string>
    }
  }
  const setup = f.setup ? text(pick(row, f.setup), where, f.setup, false) : undefined
  return {
    id,
    input,
    target,
    metadata,
    ...(choices ? { choices } : {}),
    ...(files ? { files } : {}),
    ...(setup ? { setup } : {}),
  }
}

export interface Selection {
  /** Shuffle with this seed before limiting. */
  shuffleSeed?: string | number
  limit?: number
  /** Only these sample ids (an unknown one is an error). */
  ids?: string[]
}

export function selectSamples(samples: Sample[], sel: Selection): Sample[] {
  let out = samples
  if (sel.ids?.length) {
    const byId = new Map(samples.map((s) => [s.id, s]))
    const missing = sel.ids.filter((id) => !byId.has(id))
    if (missing.length)
      throw new DatasetError(`no sample with id ${missing.slice(0, 5).join(', ')} in this dataset`)
    out = sel.ids.map((id) => byId.get(id)!)
  }
  if (sel.shuffleSeed !== undefined) out = shuffled(out, seededRng(sel.shuffleSeed))
  if (sel.limit !== undefined) {
    if (!Number.isInteger(sel.limit) || sel.limit < 1)
      throw new DatasetError(`limit must be a whole number ≥ 1, not ${sel.limit}`)
    out = out.slice(0, sel.limit)
  }
  return out
}
