/** The analysts' advisory pages: every advisory by state, and the editor with a validated preview of each export. */
import { Button, Select, Table, Textarea, TextInput } from '@trussworks/react-uswds'
import { type FormEvent, useState } from 'react'
import { api } from '../../api.ts'
import { Field } from '../../platform/Field.tsx'
import { formatDate } from '../../platform/format.ts'
import { Page } from '../../platform/Page.tsx'
import { ProblemAlert } from '../../platform/ProblemAlert.tsx'
import { Link, navigate } from '../../platform/router.tsx'
import { TLP_LABELS, type Tlp, VEX_JUSTIFICATIONS, VEX_STATUSES, type VexStatus } from '../api.ts'
import { TlpTag } from '../Tags.tsx'
import {
  type Advisory,
  type AdvisoryContent,
  type AdvisoryProduct,
  type Exports,
  emptyContent,
  emptyProduct,
  preview,
  STATUS_LABELS,
  useAdvisories,
  useAdvisory,
  useAdvisoryChange,
  type Validation,
} from './api.ts'

export function AdvisoriesAdminPage() {
  const [state, setState] = useState('')
  const list = useAdvisories({ ...(state ? { state } : {}), limit: 100, offset: 0 })
  return (
    <Page
      title="Advisories"
      lead="Drafts publish themselves at their case's disclosure date; published ones change only by a new revision."
      actions={
        <>
          <Link to="/clearinghouse/advisories/new" className="usa-button">
            New advisory
          </Link>
          <Link to="/advisories" className="usa-button usa-button--outline">
            Public pages
          </Link>
        </>
      }
    >
      <form
        className="ew-filters"
        aria-label="Filter advisories"
        onSubmit={(e) => e.preventDefault()}
      >
        <label className="usa-label" htmlFor="adv-state">
          State
        </label>
        <Select
          id="adv-state"
          name="state"
          value={state}
          onChange={(e) => setState(e.target.value)}
        >
          <option value="">Any state</option>
          <option value="draft">Draft</option>
          <option value="published">Published</option>
        </Select>
      </form>
      {list.error ? <ProblemAlert error={list.error} /> : null}
      <Table fullWidth striped>
        <thead>
          <tr>
            <th scope="col">Advisory</th>
            <th scope="col">Title</th>
            <th scope="col">State</th>
            <th scope="col">TLP</th>
            <th scope="col">Disclosure / published</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((a) => (
            <tr key={a.id}>
              <td>
                <Link to={`/clearinghouse/advisories/${encodeURIComponent(a.id)}`}>{a.id}</Link>
              </td>
              <td>{a.content.title}</td>
              <td>{a.state}</td>
              <td>
                <TlpTag tlp={a.tlp} />
              </td>
              <td>
                {a.publishedAt
                  ? formatDate(a.publishedAt)
                  : a.publishAt
                    ? formatDate(a.publishAt)
                    : '—'}
              </td>
              <td>{a.source}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Page>
  )
}

export function AdvisoryEditorPage({ id }: { id: string | null }) {
  const existing = useAdvisory(id ?? '')
  if (id && existing.error) return <ProblemAlert error={existing.error} />
  if (id && !existing.data) return <p aria-live="polite">Loading…</p>
  return (
    <Editor key={existing.data?.revision ?? 'new'} advisory={id ? (existing.data ?? null) : null} />
  )
}

const lines = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean)

function Editor({ advisory }: { advisory: Advisory | null }) {
  const [content, setContent] = useState<AdvisoryContent>(advisory?.content ?? emptyContent())
  const [tlp, setTlp] = useState<Tlp>(advisory?.tlp ?? 'CLEAR')
  const [summary, setSummary] = useState('')
  const [exports, setExports] = useState<Exports | null>(null)
  const published = advisory?.state === 'published'
  const set = (patch: Partial<AdvisoryContent>) => setContent((c) => ({ ...c, ...patch }))
  const setProduct = (i: number, patch: Partial<AdvisoryProduct>) =>
    set({ products: content.products.map((p, j) => (j === i ? { ...p, ...patch } : p)) })

  const show = useAdvisoryChange(() =>
    preview({ ...(advisory ? { id: advisory.id } : {}), content, tlp }),
  )
  const save = useAdvisoryChange(async () =>
    advisory
      ? api<Advisory>(`/api/advisories/${encodeURIComponent(advisory.id)}`, {
          method: 'PATCH',
          body: { content, tlp, ...(published ? { summary } : {}), revision: advisory.revision },
        })
      : api<Advisory>('/api/advisories', { method: 'POST', body: { content, tlp } }),
  )
  const publish = useAdvisoryChange(() =>
    api<Advisory>(`/api/advisories/${encodeURIComponent(advisory!.id)}/publish`, {
      method: 'POST',
    }),
  )
  const error = show.error ?? save.error ?? publish.error
  const fieldError = (f: string) =>
    error && 'fieldMessage' in error
      ? (error as { fieldMessage(f: string): string | undefined }).fieldMessage(f)
      : undefined

  async function onSave(e: FormEvent) {
    e.preventDefault()
    const a = await save.mutateAsync(undefined).catch(() => null)
    if (a && !advisory) navigate(`/clearinghouse/advisories/${encodeURIComponent(a.id)}`)
  }

  return (
    <Page
      title={advisory ? `Edit ${advisory.id}` : 'New advisory'}
      lead={
        advisory ? (
          <>
            {advisory.state}
            {advisory.cveId ? ` · ${advisory.cveId}` : ''}
            {advisory.caseId ? (
              <>
                {' '}
                · from case{' '}
                <Link to={`/clearinghouse/cases/${advisory.caseId}`}>{advisory.caseId}</Link>
              </>
            ) : null}
            {advisory.publishAt && !published
              ? ` · publishes at ${formatDate(advisory.publishAt)}`
              : ''}
          </>
        ) : (
          'Written by hand, without a case. It is published when you publish it.'
        )
      }
      actions={
        advisory ? (
          <Link
            to={`/advisories/${encodeURIComponent(advisory.id)}`}
            className="usa-button usa-button--outline"
          >
            View page
          </Link>
        ) : null
      }
    >
      {error ? <ProblemAlert error={error} /> : null}
      {save.isSuccess ? (
        <p className="usa-alert usa-alert--success usa-alert--slim usa-alert__body" role="status">
          Saved.
        </p>
      ) : null}
      <form onSubmit={onSave} className="ew-form ew-form--wide" aria-label="Advisory">
        <Field id="adv-title" label="Title" error={fieldError('content.title')}>
          {(a) => (
            <TextInput
              {...a}
              name="title"
              type="text"
              value={content.title}
              onChange={(e) => set({ title: e.target.value })}
            />
          )}
        </Field>
        <Field id="adv-summary" label="One-line summary" error={fieldError('content.summary')}>
          {(a) => (
            <TextInput
              {...a}
              name="summary"
              type="text"
              value={content.summary}
              onChange={(e) => set({ summary: e.target.value })}
            />
          )}
        </Field>
        <Field id="adv-details" label="Description" error={fieldError('content.details')}>
          {(a) => (
            <Textarea
              {...a}
              name="details"
              value={content.details}
              onChange={(e) => set({ details: e.target.value })}
            />
          )}
        </Field>
        <Field
          id="adv-tlp"
          label="TLP when published"
          hint="Only TLP:CLEAR advisories appear in the public feeds."
        >
          {(a) => (
            <Select {...a} name="tlp" value={tlp} onChange={(e) => setTlp(e.target.value as Tlp)}>
              {TLP_LABELS.map((t) => (
                <option key={t} value={t}>
                  TLP:{t}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          id="adv-cwes"
          label="CWE ids"
          hint="Comma-separated, e.g. CWE-79"
          optional
          error={fieldError('content.cwes')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="cwes"
              type="text"
              defaultValue={content.cwes.join(', ')}
              onChange={(e) => set({ cwes: lines(e.target.value) })}
            />
          )}
        </Field>
        <Field
          id="adv-cvss31"
          label="CVSS 3.1 vector"
          optional
          hint="The score is computed from it."
          error={fieldError('content.cvss31')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="cvss31"
              type="text"
              value={content.cvss31?.vector ?? ''}
              onChange={(e) =>
                set({ cvss31: e.target.value ? { vector: e.target.value, score: 0 } : null })
              }
            />
          )}
        </Field>
        <Field
          id="adv-cvss40"
          label="CVSS 4.0 vector"
          optional
          error={fieldError('content.cvss40')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="cvss40"
              type="text"
              value={content.cvss40?.vector ?? ''}
              onChange={(e) =>
                set({ cvss40: e.target.value ? { vector: e.target.value, score: 0 } : null })
              }
            />
          )}
        </Field>
        <fieldset className="usa-fieldset">
          <legend className="usa-legend">Products</legend>
          {content.products.map((p, i) => (
            <ProductRow
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id until saved; the index is their identity here
              key={i}
              i={i}
              p={p}
              onChange={(patch) => setProduct(i, patch)}
              onRemove={
                content.products.length > 1
                  ? () => set({ products: content.products.filter((_, j) => j !== i) })
                  : null
              }
              error={(f) => fieldError(`content.products.${i}.${f}`)}
            />
          ))}
          <Button
            type="button"
            outline
            onClick={() => set({ products: [...content.products, emptyProduct()] })}
          >
            Add a product
          </Button>
        </fieldset>
        <Field id="adv-credits" label="Credits" hint="One name per line" optional>
          {(a) => (
            <Textarea
              {...a}
              name="credits"
              defaultValue={content.credits.map((c) => c.name).join('\n')}
              onChange={(e) =>
                set({
                  credits: lines(e.target.value.replaceAll(',', ' ')).map((name) => ({
                    name,
                    orgName: null,
                  })),
                })
              }
            />
          )}
        </Field>
        {published ? (
          <Field
            id="adv-revision"
            label="What changed"
            hint="A published advisory changes only by a new revision, named here."
          >
            {(a) => (
              <TextInput
                {...a}
                name="revisionSummary"
                type="text"
                value={summary}
                onChange={(e) => setSummary(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <div className="ew-form-actions">
          <Button
            type="button"
            outline
            onClick={() => show.mutateAsync(undefined).then(setExports, () => null)}
          >
            Preview exports
          </Button>
          <Button type="submit" disabled={save.isPending}>
            {published ? 'Publish revision' : advisory ? 'Save draft' : 'Create draft'}
          </Button>
          {advisory && advisory.state === 'draft' ? (
            <Button
              type="button"
              secondary
              onClick={() => publish.mutate(undefined)}
              disabled={publish.isPending}
            >
              Publish now
            </Button>
          ) : null}
        </div>
      </form>
      {exports ? <ExportPreview exports={exports} /> : null}
    </Page>
  )
}

function ProductRow(props: {
  i: number
  p: AdvisoryProduct
  onChange: (patch: Partial<AdvisoryProduct>) => void
  onRemove: (() => void) | null
  error: (field: string) => string | undefined
}) {
  const { i, p, onChange, error } = props
  const id = (f: string) => `adv-p${i}-${f}`
  return (
    <fieldset className="usa-fieldset ew-product-row">
      <legend className="usa-sr-only">Product {i + 1}</legend>
      <Field id={id('vendor')} label="Vendor" error={error('vendor')}>
        {(a) => (
          <TextInput
            {...a}
            name={`vendor-${i}`}
            type="text"
            value={p.vendor}
            onChange={(e) => onChange({ vendor: e.target.value })}
          />
        )}
      </Field>
      <Field id={id('name')} label="Product" error={error('name')}>
        {(a) => (
          <TextInput
            {...a}
            name={`name-${i}`}
            type="text"
            value={p.name}
            onChange={(e) => onChange({ name: e.target.value })}
          />
        )}
      </Field>
      <Field
        id={id('purl')}
        label="Package URL"
        optional
        hint="Without a version, e.g. pkg:npm/left-pad"
        error={error('purl')}
      >
        {(a) => (
          <TextInput
            {...a}
            name={`purl-${i}`}
            type="text"
            value={p.purl ?? ''}
            onChange={(e) => onChange({ purl: e.target.value || null })}
          />
        )}
      </Field>
      <Field
        id={id('range')}
        label="Versions"
        hint=">=2.0.0 <2.4.1, <=1.9, 3.1.0 or *"
        error={error('versionRange')}
      >
        {(a) => (
          <TextInput
            {...a}
            name={`range-${i}`}
            type="text"
            value={p.versionRange}
            onChange={(e) => onChange({ versionRange: e.target.value })}
          />
        )}
      </Field>
      <Field id={id('status')} label="Status">
        {(a) => (
          <Select
            {...a}
            name={`status-${i}`}
            value={p.status}
            onChange={(e) => {
              const status = e.target.value as VexStatus
              onChange({
                status,
                fixedVersion: status === 'fixed' ? p.fixedVersion : null,
                justification: status === 'known_not_affected' ? p.justification : null,
              })
            }}
          >
            {VEX_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {p.status === 'fixed' ? (
        <Field id={id('fixed')} label="Fixed in" error={error('fixedVersion')}>
          {(a) => (
            <TextInput
              {...a}
              name={`fixed-${i}`}
              type="text"
              value={p.fixedVersion ?? ''}
              onChange={(e) => onChange({ fixedVersion: e.target.value || null })}
            />
          )}
        </Field>
      ) : null}
      {p.status === 'known_not_affected' ? (
        <Field id={id('just')} label="Justification" error={error('justification')}>
          {(a) => (
            <Select
              {...a}
              name={`just-${i}`}
              value={p.justification ?? ''}
              onChange={(e) => onChange({ justification: e.target.value || null })}
            >
              <option value="">Choose…</option>
              {VEX_JUSTIFICATIONS.map((j) => (
                <option key={j} value={j}>
                  {j.replaceAll('_', ' ')}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      <Field id={id('statement')} label="Statement or remediation" optional>
        {(a) => (
          <TextInput
            {...a}
            name={`statement-${i}`}
            type="text"
            value={p.statement ?? ''}
            onChange={(e) => onChange({ statement: e.target.value || null })}
          />
        )}
      </Field>
      {props.onRemove ? (
        <Button type="button" unstyled onClick={props.onRemove}>
          Remove product {i + 1}
        </Button>
      ) : null}
    </fieldset>
  )
}

const FORMATS = [
  { key: 'csaf', label: 'CSAF 2.0 advisory' },
  { key: 'vex', label: 'CSAF 2.0 VEX' },
  { key: 'osv', label: 'OSV' },
  { key: 'cve', label: 'CVE JSON 5' },
] as const

function Verdict({ v }: { v: Validation | null }) {
  if (!v) return <span className="usa-hint">not available (no CVE id)</span>
  if (v.valid && v.warnings.length === 0) return <span className="ew-valid">valid</span>
  return (
    <span className={v.valid ? 'ew-warn' : 'ew-invalid'}>
      {v.valid ? `valid, ${v.warnings.length} warning(s)` : `${v.errors.length} error(s)`}
    </span>
  )
}

function ExportPreview({ exports }: { exports: Exports }) {
  const [tab, setTab] = useState<(typeof FORMATS)[number]['key']>('csaf')
  const doc = exports[tab]
  const v = exports.validation[tab]
  return (
    <section aria-labelledby="preview-title" className="ew-export-preview">
      <h2 id="preview-title">Export preview</h2>
      <div role="tablist" aria-label="Export format" className="ew-tabs">
        {FORMATS.map((f) => (
          <button
            key={f.key}
            type="button"
            role="tab"
            aria-selected={tab === f.key}
            className={`usa-button ${tab === f.key ? '' : 'usa-button--outline'}`}
            onClick={() => setTab(f.key)}
          >
            {f.label}: <Verdict v={exports.validation[f.key]} />
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={FORMATS.find((f) => f.key === tab)?.label}>
        {v && [...v.errors, ...v.warnings].length > 0 ? (
          <ul className="ew-problems">
            {[...v.errors, ...v.warnings].map((p) => (
              <li key={`${p.test}${p.path}${p.message}`}>
                <code>{p.path}</code>: {p.message} <span className="usa-hint">({p.test})</span>
              </li>
            ))}
          </ul>
        ) : null}
        <pre className="ew-json" data-format={tab}>
          {doc ? JSON.stringify(doc, null, 2) : '—'}
        </pre>
      </div>
    </section>
  )
}
