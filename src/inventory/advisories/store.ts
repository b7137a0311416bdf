/** SQL for inventory advisories, their history, the package index and the KEV catalog. */
import type { Queryable } from '../../platform/db/db.ts'
import type { AdvisoryRecord, KevEntry, OsvRecord, PackageRow, Tlp } from './model.ts'

export interface StoredAdvisory {
  id: string
  modified: Date
  digest: string
  withdrawn: Date | null
}

export async function findAdvisory(db: Queryable, id: string): Promise<StoredAdvisory | null> {
  const { rows } = await db.query<StoredAdvisory>(
    'SELECT id, modified, digest, withdrawn FROM inv_advisories WHERE id = $1 FOR UPDATE',
    [id],
  )
  return rows[0] ?? null
}

export async function historyHas(db: Queryable, id: string, digest: string): Promise<boolean> {
  const { rows } = await db.query(
    'SELECT 1 FROM inv_advisory_history WHERE advisory_id = $1 AND digest = $2',
    [id, digest],
  )
  return rows.length > 0
}

export interface AdvisoryWrite {
  osv: OsvRecord
  digest: string
  source: string
  tlp: Tlp
  at: Date
}

export async function saveCurrent(db: Queryable, w: AdvisoryWrite): Promise<void> {
  await db.query(
    `INSERT INTO inv_advisories (id, aliases, modified, published, withdrawn, source, tlp, raw, digest, first_seen_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (id) DO UPDATE SET aliases = EXCLUDED.aliases, modified = EXCLUDED.modified,
       published = EXCLUDED.published, withdrawn = EXCLUDED.withdrawn, source = EXCLUDED.source,
       tlp = EXCLUDED.tlp, raw = EXCLUDED.raw, digest = EXCLUDED.digest, updated_at = EXCLUDED.updated_at`,
    [
      w.osv.id,
      w.osv.aliases ?? [],
      w.osv.modified,
      w.osv.published ?? null,
      w.osv.withdrawn ?? null,
      w.source,
      w.tlp,
      JSON.stringify(w.osv),
      w.digest,
      w.at,
    ],
  )
}

export async function addHistory(db: Queryable, w: AdvisoryWrite): Promise<void> {
  await db.query(
    `INSERT INTO inv_advisory_history (advisory_id, digest, modified, withdrawn, source, raw, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [
      w.osv.id,
      w.digest,
      w.osv.modified,
      w.osv.withdrawn ?? null,
      w.source,
      JSON.stringify(w.osv),
      w.at,
    ],
  )
}

export async function replacePackages(
  db: Queryable,
  id: string,
  rows: PackageRow[],
): Promise<void> {
  await db.query('DELETE FROM inv_advisory_packages WHERE advisory_id = $1', [id])
  if (rows.length === 0) return
  // One statement per record: arrays unnested, so a record with many ranges is one round trip.
  await db.query(
    `INSERT INTO inv_advisory_packages
       (advisory_id, affected_index, range_index, ecosystem, ecosystem_release, package_name, lower_key, upper_key)
     SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    [
      id,
      rows.map((r) => r.affectedIndex),
      rows.map((r) => r.rangeIndex),
      rows.map((r) => r.ecosystem),
      rows.map((r) => r.ecosystemRelease),
      rows.map((r) => r.packageName),
      rows.map((r) => r.lowerKey),
      rows.map((r) => r.upperKey),
    ],
  )
}

interface RecordRow {
  id: string
  raw: OsvRecord
  tlp: Tlp
  kev: boolean
}

const RECORD_COLUMNS = `a.id, a.raw, a.tlp,
  EXISTS (SELECT 1 FROM inv_kev k WHERE k.cve_id = a.id OR k.cve_id = ANY (a.aliases)) AS kev`

const toRecord = (r: RecordRow): AdvisoryRecord => ({
  id: r.id,
  osv: r.raw,
  tlp: r.tlp,
  kev: r.kev,
})

/**
 * Advisories naming a package, not withdrawn. With `versionKey` (a coarse key, non-empty),
 * only those with a range whose coarse bounds contain it: the pre-filter before the exact
 * comparator runs.
 */
export async function advisoriesForPackage(
  db: Queryable,
  ecosystem: string,
  packageName: string,
  versionKey?: string,
): Promise<AdvisoryRecord[]> {
  const filter = versionKey ? 'AND p.lower_key <= $3 AND $3 <= p.upper_key' : ''
  const { rows } = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM inv_advisories a
     WHERE a.withdrawn IS NULL AND a.id IN (
       SELECT p.advisory_id FROM inv_advisory_packages p
       WHERE p.ecosystem = $1 AND p.package_name = $2 ${filter})
     ORDER BY a.id`,
    versionKey ? [ecosystem, packageName, versionKey] : [ecosystem, packageName],
  )
  return rows.map(toRecord)
}

export async function getAdvisory(db: Queryable, id: string): Promise<AdvisoryRecord | null> {
  const { rows } = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM inv_advisories a WHERE a.id = $1`,
    [id],
  )
  return rows[0] ? toRecord(rows[0]) : null
}

export interface HistoryRow {
  digest: string
  modified: Date
  withdrawn: Date | null
  source: string
  recordedAt: Date
}

export async function history(db: Queryable, id: string): Promise<HistoryRow[]> {
  const { rows } = await db.query<{
    digest: string
    modified: Date
    withdrawn: Date | null
    source: string
    recorded_at: Date
  }>(
    `SELECT digest, modified, withdrawn, source, recorded_at FROM inv_advisory_history
     WHERE advisory_id = $1 ORDER BY modified, recorded_at`,
    [id],
  )
  return rows.map((r) => ({ ...r, recordedAt: r.recorded_at }))
}

export async function counts(
  db: Queryable,
): Promise<{ advisories: number; withdrawn: number; kev: number }> {
  const { rows } = await db.query<{ advisories: string; withdrawn: string; kev: string }>(
    `SELECT (SELECT count(*) FROM inv_advisories) AS advisories,
            (SELECT count(*) FROM inv_advisories WHERE withdrawn IS NOT NULL) AS withdrawn,
            (SELECT count(*) FROM inv_kev) AS kev`,
  )
  const r = rows[0]!
  return { advisories: Number(r.advisories), withdrawn: Number(r.withdrawn), kev: Number(r.kev) }
}

export async function upsertKev(
  db: Queryable,
  entries: KevEntry[],
  catalogVersion: string,
  at: Date,
): Promise<number> {
  if (entries.length === 0) return 0
  const col = <K extends keyof KevEntry>(k: K) => entries.map((e) => e[k])
  const { rowCount } = await db.query(
    `INSERT INTO inv_kev (cve_id, vendor_project, product, vulnerability_name, date_added, short_description,
       required_action, due_date, known_ransomware_campaign_use, notes, cwes, catalog_version, imported_at)
     SELECT t.c1, t.c2, t.c3, t.c4, t.c5, t.c6, t.c7, t.c8, t.c9, t.c10,
       CASE WHEN t.c11 = '' THEN '{}'::text[] ELSE string_to_array(t.c11, ',') END, $12, $13
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
       $7::text[], $8::date[], $9::text[], $10::text[], $11::text[]) AS t (c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11)
     ON CONFLICT (cve_id) DO UPDATE SET vendor_project = EXCLUDED.vendor_project, product = EXCLUDED.product,
       vulnerability_name = EXCLUDED.vulnerability_name, date_added = EXCLUDED.date_added,
       short_description = EXCLUDED.short_description, required_action = EXCLUDED.required_action,
       due_date = EXCLUDED.due_date, known_ransomware_campaign_use = EXCLUDED.known_ransomware_campaign_use,
       notes = EXCLUDED.notes, cwes = EXCLUDED.cwes, catalog_version = EXCLUDED.catalog_version,
       imported_at = EXCLUDED.imported_at`,
    [
      col('cveId'),
      col('vendorProject'),
      col('product'),
      col('vulnerabilityName'),
      col('dateAdded'),
      col('shortDescription'),
      col('requiredAction'),
      col('dueDate'),
      col('knownRansomwareCampaignUse'),
      col('notes'),
      // text[][] cannot be ragged, so each CWE list travels as one comma-joined string.
      entries.map((e) => e.cwes.join(',')),
      catalogVersion,
      at,
    ],
  )
  return rowCount
}

export interface KevRow extends KevEntry {
  catalogVersion: string
}

export async function kevLookup(db: Queryable, cveIds: string[]): Promise<KevRow[]> {
  if (cveIds.length === 0) return []
  const { rows } = await db.query<{
    cve_id: string
    vendor_project: string
    product: string
    vulnerability_name: string
    date_added: string
    short_description: string
    required_action: string
    due_date: string | null
    known_ransomware_campaign_use: string
    notes: string
    cwes: string[]
    catalog_version: string
  }>(
    `SELECT cve_id, vendor_project, product, vulnerability_name, to_char(date_added, 'YYYY-MM-DD') AS date_added,
       short_description, required_action, to_char(due_date, 'YYYY-MM-DD') AS due_date,
       known_ransomware_campaign_use, notes, cwes, catalog_version
     FROM inv_kev WHERE cve_id = ANY ($1::text[]) ORDER BY cve_id`,
    [cveIds],
  )
  return rows.map((r) => ({
    cveId: r.cve_id,
    vendorProject: r.vendor_project,
    product: r.product,
    vulnerabilityName: r.vulnerability_name,
    dateAdded: r.date_added,
    shortDescription: r.short_description,
    requiredAction: r.required_action,
    dueDate: r.due_date,
    knownRansomwareCampaignUse: r.known_ransomware_campaign_use,
    notes: r.notes,
    cwes: r.cwes,
    catalogVersion: r.catalog_version,
  }))
}
