/**
 * The controlled item vault as program staff see it: bundles, tasks, categories and counts —
 * never item content. The custodian also sees the exposure ledger and rotates vault keys.
 */
import { Button } from '@trussworks/react-uswds'
import { hasRole, type Session } from '../accounts/session.ts'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { CATEGORY_LABELS, useBundles, useExposures, useRotateKeys } from './api.ts'

export function VaultPage({ session }: { session: Session }) {
  const custodian = hasRole(session, 'benchmark_custodian')
  const bundles = useBundles()
  const exposures = useExposures(custodian)
  const rotate = useRotateKeys()
  return (
    <Page
      title="Controlled benchmark vault"
      lead="Every item is encrypted under its own data key. Only the benchmark custodian sees item content; this page shows the vault's shape."
      actions={
        custodian || hasRole(session, 'admin') ? (
          <Button type="button" outline disabled={rotate.isPending} onClick={() => rotate.mutate()}>
            Re-wrap keys
          </Button>
        ) : null
      }
    >
      <ProblemAlert error={bundles.error ?? rotate.error ?? exposures.error} />
      {rotate.data ? (
        <p role="status">
          Re-wrapped {rotate.data.rewrapped} of {rotate.data.total} data keys under the current
          master key.
        </p>
      ) : null}
      {bundles.isPending ? <p aria-live="polite">Loading the vault…</p> : null}
      {bundles.data?.items.length === 0 ? (
        <p>The vault is empty. The custodian imports bundles with earlywatch benchmark import.</p>
      ) : null}
      {bundles.data?.items.map((b) => (
        <section key={b.id} className="margin-bottom-4" aria-labelledby={`bundle-${b.id}`}>
          <h2 id={`bundle-${b.id}`}>
            {b.name} {b.version}
          </h2>
          <p className="font-body-2xs">Imported {formatDateTime(b.importedAt)}</p>
          <table className="usa-table usa-table--striped ew-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Categories (weight)</th>
                <th scope="col">Active items</th>
                <th scope="col">Retired</th>
              </tr>
            </thead>
            <tbody>
              {b.tasks.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.name}</th>
                  <td>
                    {Object.entries(t.categories)
                      .map(([c, w]) => `${CATEGORY_LABELS[c] ?? c} (${w})`)
                      .join(', ')}
                  </td>
                  <td>{t.items - t.retired}</td>
                  <td>{t.retired}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      {custodian ? (
        <section aria-labelledby="exposures">
          <h2 id="exposures">Exposure ledger</h2>
          <p>
            Which items each lab’s models were shown, newest first. Retire items shown too often.
          </p>
          {exposures.data?.items.length === 0 ? (
            <p>No item has been shown to a model yet.</p>
          ) : null}
          {exposures.data?.items.length ? (
            <table className="usa-table usa-table--striped ew-table">
              <thead>
                <tr>
                  <th scope="col">Shown</th>
                  <th scope="col">Lab</th>
                  <th scope="col">Task</th>
                  <th scope="col">Item</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {exposures.data.items.slice(0, 200).map((e) => (
                  <tr key={`${e.itemId}-${e.runId}`}>
                    <td>{formatDateTime(e.shownAt)}</td>
                    <td>{e.labName}</td>
                    <td>{e.taskName}</td>
                    <td>{e.itemKey}</td>
                    <td>{e.runId}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
    </Page>
  )
}
