/**
 * One log entry: what was recorded, exactly as it was hashed, with confidential fields shown as
 * the commitments they are, and a check run in the visitor's own browser that the entry is in
 * the latest signed checkpoint. Open to everyone.
 */

import { useMutation } from '@tanstack/react-query'
import { Alert, AlertHeading, AlertText, Button } from '@trussworks/react-uswds'
import { Fragment } from 'react'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  entryTypeLabel,
  fetchCheckpointNote,
  fetchInclusionProof,
  fetchVerifierKey,
  type LogEntry,
  useEntries,
  useEntry,
} from './api.ts'
import { describeActor } from './LogExplorerPage.tsx'
import {
  checkInclusion,
  fromBase64,
  type InclusionOutcome,
  parseCheckpoint,
  VerifyError,
} from './verify.ts'

export function EntryPage({ index }: { index: number }) {
  const entry = useEntry(index)
  return (
    <Page
      title={`Log entry ${index}`}
      lead={entry.data ? entryTypeLabel(entry.data.type) : undefined}
      actions={
        <Link to="/log-explorer" className="usa-button usa-button--outline">
          All entries
        </Link>
      }
    >
      <ProblemAlert error={entry.error} />
      {entry.isPending ? <p aria-live="polite">Loading the entry…</p> : null}
      {entry.data ? <EntryView entry={entry.data} /> : null}
    </Page>
  )
}

function EntryView({ entry }: { entry: LogEntry }) {
  const e = entry.entry
  const canonical = new TextDecoder().decode(fromBase64(entry.body))
  const commitments = Object.entries(e.commitments ?? {})
  // The count of all entries, for whether a next one exists: one cheap page of one.
  const logSize = useEntries({ limit: 1, offset: 0 }).data?.total ?? 0
  return (
    <>
      <VerifyPanel entry={entry} />
      <section aria-labelledby="recorded-heading" className="ew-panel">
        <h2 id="recorded-heading" className="ew-panel__title">
          What was recorded
        </h2>
        <dl className="ew-facts">
          <dt>Index</dt>
          <dd>{entry.index}</dd>
          <dt>Kind</dt>
          <dd>
            {entryTypeLabel(e.type)} (<code>{e.type}</code>)
          </dd>
          <dt>Recorded</dt>
          <dd>{formatDateTime(e.at)}</dd>
          <dt>Decided by</dt>
          <dd>{describeActor(entry)}</dd>
          <dt>About</dt>
          <dd>{e.subjects.map((s) => `${s.kind} ${s.id}`).join(', ')}</dd>
          {Object.entries(e.data).map(([k, v]) => (
            <Fact key={k} name={k} value={v} />
          ))}
          <dt>Leaf hash</dt>
          <dd>
            <code className="ew-hash">{entry.leafHash}</code>
          </dd>
        </dl>
      </section>
      {commitments.length > 0 ? (
        <section aria-labelledby="commitments-heading" className="ew-panel">
          <h2 id="commitments-heading" className="ew-panel__title">
            Confidential fields, as commitments
          </h2>
          <p>
            These values are not published. Each is replaced by SHA-256 of a secret random salt
            followed by the value, so the entry cannot be changed later without notice, and the
            program can prove the value to an auditor by showing it with its salt.
          </p>
          <dl className="ew-facts">
            {commitments.map(([field, hash]) => (
              <Fragment key={field}>
                <dt>{field}</dt>
                <dd>
                  <span className="usa-sr-only">commitment </span>
                  <code className="ew-hash">{hash}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
        </section>
      ) : null}
      <section aria-labelledby="canonical-heading" className="ew-panel">
        <h2 id="canonical-heading" className="ew-panel__title">
          Canonical JSON
        </h2>
        <p>
          The exact bytes that were hashed (RFC 8785 canonical JSON). The leaf hash is SHA-256 of a
          zero byte followed by these bytes.
        </p>
        <pre className="ew-pre">{canonical}</pre>
      </section>
      <nav aria-label="Neighbouring entries" className="ew-entry-nav">
        {entry.index > 0 ? (
          <Link to={`/log-explorer/${entry.index - 1}`} className="usa-link">
            ← Entry {entry.index - 1}
          </Link>
        ) : (
          <span />
        )}
        {entry.index + 1 < logSize ? (
          <Link to={`/log-explorer/${entry.index + 1}`} className="usa-link">
            Entry {entry.index + 1} →
          </Link>
        ) : null}
      </nav>
    </>
  )
}

function Fact({ name, value }: { name: string; value: unknown }) {
  const text =
    value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value, null, 1)
  return (
    <>
      <dt>{name}</dt>
      <dd>{text}</dd>
    </>
  )
}

/**
 * Fetches the latest signed checkpoint and an inclusion proof for its size, then checks here,
 * not on the server, that the entry's bytes hash up the proof to the checkpoint's root.
 */
async function verifyInBrowser(entry: LogEntry): Promise<InclusionOutcome> {
  const [note, verifierKey] = await Promise.all([fetchCheckpointNote(), fetchVerifierKey()])
  let size: number
  try {
    size = parseCheckpoint(note).size
  } catch (err) {
    if (err instanceof VerifyError) return { ok: false, reason: err.message }
    throw err
  }
  if (entry.index >= size)
    return {
      ok: false,
      reason: `The latest signed checkpoint covers ${size} entries, not yet this one; a checkpoint is signed within seconds. Try again shortly.`,
    }
  const proof = await fetchInclusionProof(entry.index, size)
  return checkInclusion({
    index: entry.index,
    body: entry.body,
    statedLeafHash: entry.leafHash,
    proof: proof.proof,
    checkpoint: note,
    verifierKey,
  })
}

function VerifyPanel({ entry }: { entry: LogEntry }) {
  const verify = useMutation({ mutationFn: () => verifyInBrowser(entry) })
  const outcome = verify.data
  return (
    <section aria-labelledby="verify-heading" className="ew-panel">
      <h2 id="verify-heading" className="ew-panel__title">
        Is this entry in the signed log?
      </h2>
      <p>
        Your browser fetches the latest signed checkpoint, the log’s public key and a proof of
        inclusion, checks the checkpoint’s signature, hashes this entry’s bytes itself, and checks
        that the proof leads to the checkpoint’s root. Nothing the server says about the result is
        taken on trust.
      </p>
      <Button type="button" disabled={verify.isPending} onClick={() => verify.mutate()}>
        {verify.isPending ? 'Verifying…' : 'Verify inclusion'}
      </Button>
      <div aria-live="polite" className="margin-top-2">
        <ProblemAlert error={verify.error} />
        {outcome?.ok ? (
          <Alert type="success">
            <AlertHeading level="h3">Verified against checkpoint {outcome.size}</AlertHeading>
            <AlertText>
              Entry {outcome.index} is included in the log’s signed checkpoint of{' '}
              {outcome.size.toLocaleString()} entries, root{' '}
              <code className="ew-hash">{outcome.root}</code>.{' '}
              {outcome.signatureChecked
                ? 'The checkpoint’s signature by the log’s key is valid.'
                : 'This browser cannot check Ed25519 signatures, so the checkpoint’s signature was not checked here.'}
            </AlertText>
          </Alert>
        ) : null}
        {outcome && !outcome.ok ? (
          <Alert type="error">
            <AlertHeading level="h3">Verification failed</AlertHeading>
            <AlertText>{outcome.reason}</AlertText>
          </Alert>
        ) : null}
      </div>
      <p className="ew-chart__hint margin-bottom-0">
        The key is the one this server publishes at <code>/log/verifier-key</code>; compare it with
        a copy you trust. <code>earlywatch log verify</code> also proves that the log only grew
        since you last ran it.
      </p>
    </section>
  )
}
