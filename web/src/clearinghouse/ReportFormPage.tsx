/** Report a vulnerability: one report by form, or every result of a SARIF 2.1.0 log at once. */
import {
  Alert,
  AlertHeading,
  Button,
  Checkbox,
  Fieldset,
  Radio,
  Textarea,
  TextInput,
} from '@trussworks/react-uswds'
import { type FormEvent, useState } from 'react'
import { isProblem } from '../api.ts'
import { Field } from '../platform/Field.tsx'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { type FoundWith, post, type Receipt, useChange } from './api.ts'

interface Draft {
  title: string
  description: string
  reproduction: string
  purl: string
  vendor: string
  product: string
  versions: string
  cwe: string
  cvss31: string
  cvss40: string
  method: FoundWith['method']
  submissionId: string
  grantId: string
  tool: string
  creditWanted: boolean
  creditName: string
}

const EMPTY: Draft = {
  title: '',
  description: '',
  reproduction: '',
  purl: '',
  vendor: '',
  product: '',
  versions: '',
  cwe: '',
  cvss31: '',
  cvss40: '',
  method: 'manual',
  submissionId: '',
  grantId: '',
  tool: '',
  creditWanted: true,
  creditName: '',
}

const opt = (s: string) => (s.trim() ? s.trim() : undefined)

export function ReportFormPage() {
  const [d, setD] = useState<Draft>(EMPTY)
  const [sarifText, setSarifText] = useState<string | null>(null)
  const [sarifName, setSarifName] = useState('')
  const [receipts, setReceipts] = useState<Receipt[] | null>(null)
  const [warnings, setWarnings] = useState<Array<{ path: string; message: string }>>([])
  const [localError, setLocalError] = useState<string | null>(null)
  const change = useChange(async (body: { sarif: boolean; payload: unknown }) =>
    body.sarif
      ? post<{ receipts: Receipt[]; warnings: Array<{ path: string; message: string }> }>(
          '/reports/sarif',
          body.payload,
        )
      : { receipts: [await post<Receipt>('/reports', body.payload)], warnings: [] },
  )
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }))
  const err = (field: string) =>
    isProblem(change.error) ? change.error.fieldMessage(field) : undefined

  function submit(e: FormEvent) {
    e.preventDefault()
    setLocalError(null)
    const product = {
      purl: opt(d.purl),
      vendor: opt(d.vendor),
      product: opt(d.product),
      versions: opt(d.versions),
    }
    const foundWith: FoundWith = {
      method: d.method,
      ...(d.method === 'model'
        ? { submissionId: opt(d.submissionId), grantId: opt(d.grantId) }
        : {}),
      ...(d.method === 'tool' ? { tool: opt(d.tool) } : {}),
    }
    const credit = { creditWanted: d.creditWanted, creditName: opt(d.creditName) ?? null }
    if (sarifText !== null) {
      let log: unknown
      try {
        log = JSON.parse(sarifText)
      } catch {
        setLocalError(`${sarifName} is not JSON: a SARIF log is a JSON document.`)
        return
      }
      change.mutate(
        { sarif: true, payload: { log, product, foundWith, ...credit } },
        {
          onSuccess: (r) => {
            setReceipts(r.receipts)
            setWarnings(r.warnings)
          },
        },
      )
      return
    }
    change.mutate(
      {
        sarif: false,
        payload: {
          title: d.title,
          description: d.description,
          reproduction: opt(d.reproduction),
          product,
          cwe: opt(d.cwe) ?? null,
          cvss31: opt(d.cvss31) ?? null,
          cvss40: opt(d.cvss40) ?? null,
          foundWith,
          ...credit,
        },
      },
      {
        onSuccess: (r) => {
          setReceipts(r.receipts)
          setWarnings([])
        },
      },
    )
  }

  if (receipts) {
    const created = receipts.filter((r) => r.created)
    return (
      <Page title="Report received" lead="Keep these receipts: each links to the report’s status.">
        <Alert type="success">
          <AlertHeading level="h2">
            {`${created.length} new, ${receipts.length - created.length} already reported`}
          </AlertHeading>
          Analysts triage new reports within 3 days.
        </Alert>
        <ul className="ew-receipts">
          {receipts.map((r) => (
            <li key={r.id}>
              <Link to={r.webUrl} className="usa-link">
                {r.id}
              </Link>{' '}
              — {r.state}
              {r.created ? '' : ' (your organisation had already reported this)'}
              {r.likelyDuplicates.length > 0
                ? ` · ${r.likelyDuplicates.length} similar report(s) known`
                : ''}
              <div className="usa-hint">Status: {r.statusUrl}</div>
            </li>
          ))}
        </ul>
        {warnings.length > 0 ? (
          <Alert type="warning">
            <AlertHeading level="h2">{'Kept, with warnings from the SARIF AI rules'}</AlertHeading>
            <ul>
              {warnings.map((w) => (
                <li key={w.path + w.message}>
                  <code>{w.path}</code>: {w.message}
                </li>
              ))}
            </ul>
          </Alert>
        ) : null}
        <Button
          type="button"
          onClick={() => {
            setReceipts(null)
            setD(EMPTY)
            setSarifText(null)
          }}
        >
          Report another
        </Button>
      </Page>
    )
  }

  return (
    <Page
      title="Report a vulnerability"
      lead="By form, or upload a SARIF 2.1.0 log: each of its results becomes a report."
    >
      <ProblemAlert error={change.error} />
      {localError ? (
        <Alert type="error">
          <AlertHeading level="h2">{'The file cannot be read'}</AlertHeading>
          {localError}
        </Alert>
      ) : null}
      {isProblem(change.error) && change.error.errors.length > 0 ? (
        <ul className="ew-problems" aria-label="Problems">
          {change.error.errors.slice(0, 20).map((p) => (
            <li key={p.path + p.message}>
              <code>{p.path}</code>: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={submit} className="ew-form" aria-label="Vulnerability report">
        <Fieldset legend="Affected product">
          <Field
            id="purl"
            label="Package URL (purl)"
            hint="e.g. pkg:npm/acme-forum@2.3.0 — or give vendor and product"
            optional
            error={err('product.purl') ?? err('product')}
          >
            {(a) => (
              <TextInput
                {...a}
                name="purl"
                type="text"
                value={d.purl}
                onChange={(e) => set('purl', e.target.value)}
              />
            )}
          </Field>
          <Field id="vendor" label="Vendor" optional>
            {(a) => (
              <TextInput
                {...a}
                name="vendor"
                type="text"
                value={d.vendor}
                onChange={(e) => set('vendor', e.target.value)}
              />
            )}
          </Field>
          <Field id="product" label="Product" optional>
            {(a) => (
              <TextInput
                {...a}
                name="product"
                type="text"
                value={d.product}
                onChange={(e) => set('product', e.target.value)}
              />
            )}
          </Field>
          <Field id="versions" label="Affected versions" optional>
            {(a) => (
              <TextInput
                {...a}
                name="versions"
                type="text"
                value={d.versions}
                onChange={(e) => set('versions', e.target.value)}
              />
            )}
          </Field>
        </Fieldset>
        <Fieldset legend="How it was found">
          {(['manual', 'tool', 'model'] as const).map((m) => (
            <Radio
              key={m}
              id={`method-${m}`}
              name="method"
              value={m}
              checked={d.method === m}
              onChange={() => set('method', m)}
              label={
                {
                  manual: 'By hand',
                  tool: 'With a tool',
                  model: 'With a pre-release model (through earlywatch)',
                }[m]
              }
            />
          ))}
          {d.method === 'model' ? (
            <>
              <Field
                id="submissionId"
                label="Model submission id"
                hint="sub_… of the model you used"
                error={err('foundWith.submissionId')}
              >
                {(a) => (
                  <TextInput
                    {...a}
                    name="submissionId"
                    type="text"
                    value={d.submissionId}
                    onChange={(e) => set('submissionId', e.target.value)}
                  />
                )}
              </Field>
              <Field id="grantId" label="Gateway grant id" optional>
                {(a) => (
                  <TextInput
                    {...a}
                    name="grantId"
                    type="text"
                    value={d.grantId}
                    onChange={(e) => set('grantId', e.target.value)}
                  />
                )}
              </Field>
            </>
          ) : null}
          {d.method === 'tool' ? (
            <Field
              id="tool"
              label="Tool"
              hint="Taken from the SARIF log when you upload one"
              optional
              error={err('foundWith.tool')}
            >
              {(a) => (
                <TextInput
                  {...a}
                  name="tool"
                  type="text"
                  value={d.tool}
                  onChange={(e) => set('tool', e.target.value)}
                />
              )}
            </Field>
          ) : null}
        </Fieldset>
        <Fieldset legend="SARIF upload (optional)">
          <Field
            id="sarif"
            label="SARIF 2.1.0 log"
            hint="Every result becomes a report; uploading the same log again adds nothing."
            optional
          >
            {(a) => (
              <input
                {...a}
                className="usa-file-input"
                name="sarif"
                type="file"
                accept=".sarif,.json,application/sarif+json,application/json"
                onChange={async (e) => {
                  const f = e.target.files?.[0]
                  setSarifName(f?.name ?? '')
                  setSarifText(f ? await f.text() : null)
                }}
              />
            )}
          </Field>
        </Fieldset>
        {sarifText === null ? (
          <Fieldset legend="The vulnerability">
            <Field id="title" label="Title" error={err('title')}>
              {(a) => (
                <TextInput
                  {...a}
                  name="title"
                  type="text"
                  value={d.title}
                  onChange={(e) => set('title', e.target.value)}
                />
              )}
            </Field>
            <Field id="description" label="Description" error={err('description')}>
              {(a) => (
                <Textarea
                  {...a}
                  name="description"
                  value={d.description}
                  onChange={(e) => set('description', e.target.value)}
                />
              )}
            </Field>
            <Field id="reproduction" label="Steps to reproduce" optional>
              {(a) => (
                <Textarea
                  {...a}
                  name="reproduction"
                  value={d.reproduction}
                  onChange={(e) => set('reproduction', e.target.value)}
                />
              )}
            </Field>
            <Field id="cwe" label="Weakness (CWE)" hint="e.g. CWE-79" optional error={err('cwe')}>
              {(a) => (
                <TextInput
                  {...a}
                  name="cwe"
                  type="text"
                  value={d.cwe}
                  onChange={(e) => set('cwe', e.target.value)}
                />
              )}
            </Field>
            <Field
              id="cvss31"
              label="CVSS 3.1 vector"
              hint="The score is computed from the vector"
              optional
              error={err('cvss31')}
            >
              {(a) => (
                <TextInput
                  {...a}
                  name="cvss31"
                  type="text"
                  value={d.cvss31}
                  onChange={(e) => set('cvss31', e.target.value)}
                />
              )}
            </Field>
            <Field id="cvss40" label="CVSS 4.0 vector" optional error={err('cvss40')}>
              {(a) => (
                <TextInput
                  {...a}
                  name="cvss40"
                  type="text"
                  value={d.cvss40}
                  onChange={(e) => set('cvss40', e.target.value)}
                />
              )}
            </Field>
          </Fieldset>
        ) : null}
        <Fieldset legend="Credit">
          <Checkbox
            id="creditWanted"
            name="creditWanted"
            label="Credit me in the advisory"
            checked={d.creditWanted}
            onChange={(e) => set('creditWanted', e.target.checked)}
          />
          <Field id="creditName" label="Name to credit" hint="Defaults to your name" optional>
            {(a) => (
              <TextInput
                {...a}
                name="creditName"
                type="text"
                value={d.creditName}
                onChange={(e) => set('creditName', e.target.value)}
              />
            )}
          </Field>
        </Fieldset>
        <Button type="submit" disabled={change.isPending}>
          {sarifText === null ? 'Send report' : `Import ${sarifName}`}
        </Button>
      </form>
    </Page>
  )
}
