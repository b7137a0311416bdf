/** The latest signed checkpoint, and in plain words what it lets anyone check and how. */
import { formatDateTime } from '../platform/format.ts'
import type { Checkpoint } from './api.ts'

export function CheckpointPanel({
  checkpoint,
  verifierKey,
}: {
  checkpoint: Checkpoint
  verifierKey: string
}) {
  const logUrl = `${window.location.origin}/log`
  return (
    <section aria-labelledby="checkpoint-heading" className="ew-panel">
      <h2 id="checkpoint-heading" className="ew-panel__title">
        Current checkpoint
      </h2>
      <dl className="ew-facts">
        <dt>Entries covered</dt>
        <dd>{checkpoint.size.toLocaleString()}</dd>
        <dt>Signed</dt>
        <dd>{formatDateTime(checkpoint.createdAt)}</dd>
        <dt>Root hash</dt>
        <dd>
          <code className="ew-hash">{checkpoint.root}</code>
        </dd>
      </dl>
      <div className="grid-row grid-gap-4">
        <div className="desktop:grid-col-6">
          <h3 className="ew-subhead">What it lets anyone verify</h3>
          <p>
            The checkpoint is a short note, signed by the program’s key, that fixes the first{' '}
            {checkpoint.size.toLocaleString()} entries of the log through a single hash, the root of
            a Merkle tree built over them. Anyone holding it can check that an entry is in the log,
            and that a later checkpoint only adds entries after these: an entry changed, removed or
            slipped in afterwards would no longer match, and the change would show.
          </p>
          <p>
            To check the whole log yourself, install earlywatch and run the verifier against this
            server’s public log. It checks the signature, recomputes the root from every entry, and
            remembers the checkpoint so that the next run proves the log only grew:
          </p>
          <pre className="ew-pre">
            <code>earlywatch log verify --url {logUrl}</code>
          </pre>
          <p className="margin-bottom-0">
            Any client of the C2SP tlog-tiles format can read the same log at <code>{logUrl}/</code>
            . Witnesses that keep their own copy of past checkpoints make a rewrite detectable even
            if this server tried to hide it.
          </p>
        </div>
        <div className="desktop:grid-col-6">
          <h3 className="ew-subhead">The signed note</h3>
          <pre className="ew-pre">{checkpoint.note}</pre>
          <h3 className="ew-subhead">The key that signs it</h3>
          <pre className="ew-pre">{verifierKey}</pre>
        </div>
      </div>
    </section>
  )
}
