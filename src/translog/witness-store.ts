/** SQL of witness cosigning: the cosignatures kept next to checkpoints, and each witness's last cosigned size. */
import type { Queryable } from '../platform/db/db.ts'

export interface CosignatureRow {
  size: number
  witness: string
  signature: string
  receivedAt: Date
}

/** The size the witness last cosigned for this log; 0 if it never has. */
export async function witnessSize(q: Queryable, witness: string): Promise<number> {
  const r = await q.query<{ size: number }>(
    'SELECT size FROM translog_witness_state WHERE witness = $1',
    [witness],
  )
  return r.rows[0] ? Number(r.rows[0].size) : 0
}

/** Moves the witness's size forward (never back: a late answer to an older request is ignored). */
export async function setWitnessSize(
  q: Queryable,
  witness: string,
  size: number,
  at: Date,
): Promise<void> {
  await q.query(
    `INSERT INTO translog_witness_state (witness, size, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (witness) DO UPDATE
       SET size = GREATEST(translog_witness_state.size, EXCLUDED.size), updated_at = EXCLUDED.updated_at`,
    [witness, size, at],
  )
}

/** Keeps a cosignature; a second one from the same witness for the same size is not kept. */
export async function insertCosignature(q: Queryable, c: CosignatureRow): Promise<void> {
  await q.query(
    `INSERT INTO translog_cosignature (size, witness, signature, received_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (size, witness) DO NOTHING`,
    [c.size, c.witness, c.signature, c.receivedAt],
  )
}

export async function hasCosignature(
  q: Queryable,
  size: number,
  witness: string,
): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM translog_cosignature WHERE size = $1 AND witness = $2', [
    size,
    witness,
  ])
  return r.rows.length > 0
}

/** The checkpoint of this size and its cosignatures, by witness name; null if there is no such checkpoint. */
export async function cosignedCheckpoint(
  q: Queryable,
  size: number,
): Promise<{ note: string; cosignatures: CosignatureRow[] } | null> {
  const cp = await q.query<{ note: string }>(
    'SELECT note FROM translog_checkpoint WHERE size = $1 ORDER BY id LIMIT 1',
    [size],
  )
  if (!cp.rows[0]) return null
  const r = await q.query<{ size: number; witness: string; signature: string; received_at: Date }>(
    `SELECT size, witness, signature, received_at FROM translog_cosignature
      WHERE size = $1 ORDER BY witness`,
    [size],
  )
  return {
    note: cp.rows[0].note,
    cosignatures: r.rows.map((x) => ({
      size: Number(x.size),
      witness: x.witness,
      signature: x.signature,
      receivedAt: x.received_at,
    })),
  }
}
