/** Register a submission: a lab offers a model for pre-release review and gives the program access to it. */
import {
  Alert,
  AlertHeading,
  Button,
  Fieldset,
  Radio,
  Select,
  Textarea,
  TextInput,
} from '@trussworks/react-uswds'
import { type FormEvent, useState } from 'react'
import { isProblem } from '../api.ts'
import { DateTimeInput, Field } from '../platform/Field.tsx'
import { setFlash } from '../platform/flash.ts'
import { fromLocalInput, localTimeZone } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link, navigate } from '../platform/router.tsx'
import { type NewSubmission, type Protocol, useRegisterSubmission } from './api.ts'

const MAX_DAYS = 30

interface Draft {
  modelName: string
  modelVersion: string
  description: string
  capabilities: string
  baseUrl: string
  protocol: Protocol
  modelId: string
  credential: string
  offeredDays: string
  partnerReleaseAt: string
  publicReleaseAt: string
}

const EMPTY: Draft = {
  modelName: '',
  modelVersion: '',
  description: '',
  capabilities: '',
  baseUrl: '',
  protocol: 'openai',
  modelId: '',
  credential: '',
  offeredDays: String(MAX_DAYS),
  partnerReleaseAt: '',
  publicReleaseAt: '',
}

/** Answers the form cannot go without; the server checks everything else, and these again. */
const REQUIRED: Array<[field: string, key: keyof Draft, message: string]> = [
  ['modelName', 'modelName', 'Enter the model’s name.'],
  ['modelVersion', 'modelVersion', 'Enter the version.'],
  ['endpoint.baseUrl', 'baseUrl', 'Enter the endpoint’s base URL.'],
  ['endpoint.modelId', 'modelId', 'Enter the model ID your endpoint expects.'],
  ['endpoint.credential', 'credential', 'Enter a credential for the endpoint.'],
]

function missingAnswers(d: Draft): Record<string, string> {
  const missing: Record<string, string> = {}
  for (const [field, key, message] of REQUIRED) if (!d[key].trim()) missing[field] = message
  return missing
}

function toRequest(d: Draft): NewSubmission {
  return {
    modelName: d.modelName.trim(),
    modelVersion: d.modelVersion.trim(),
    description: d.description.trim(),
    intendedCapabilities: d.capabilities
      .split('\n')
      .map((c) => c.trim())
      .filter(Boolean),
    endpoint: {
      baseUrl: d.baseUrl.trim(),
      protocol: d.protocol,
      modelId: d.modelId.trim(),
      credential: d.credential,
    },
    offeredDays: Number(d.offeredDays),
    partnerReleaseAt: fromLocalInput(d.partnerReleaseAt),
    publicReleaseAt: fromLocalInput(d.publicReleaseAt),
  }
}

export function RegisterPage() {
  const register = useRegisterSubmission()
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }))
  const [missing, setMissing] = useState<Record<string, string>>({})
  const problem = isProblem(register.error) ? register.error : undefined
  const err = (field: string) => missing[field] ?? problem?.fieldMessage(field)

  function submit(e: FormEvent) {
    e.preventDefault()
    const found = missingAnswers(draft)
    setMissing(found)
    if (Object.keys(found).length > 0) {
      register.reset()
      window.scrollTo({ top: 0 })
      return
    }
    register.mutate(toRequest(draft), {
      onSuccess: (created) => {
        const to = `/submissions/${encodeURIComponent(created.id)}`
        setFlash(
          to,
          `${created.modelName} ${created.modelVersion} is registered. The review window opens when the program accepts it.`,
        )
        navigate(to)
      },
      onError: () => window.scrollTo({ top: 0 }),
    })
  }

  return (
    <Page
      title="Register a submission"
      lead="Offer a model for voluntary pre-release review. You choose how many days of access to give, up to 30, and you can move your release dates or withdraw at any time without anyone’s approval."
    >
      <div className="ew-form-layout">
        <form className="usa-form usa-form--large ew-form-full" onSubmit={submit} noValidate>
          {Object.keys(missing).length > 0 ? (
            <Alert type="error" role="alert" className="margin-bottom-3">
              <AlertHeading level="h2">Some answers are missing</AlertHeading>
              <ul className="usa-list">
                {REQUIRED.filter(([field]) => missing[field]).map(([field, key, message]) => (
                  <li key={field}>
                    <a className="usa-link" href={`#${key}`}>
                      {message}
                    </a>
                  </li>
                ))}
              </ul>
            </Alert>
          ) : (
            <ProblemAlert error={register.error} />
          )}

          <section className="ew-form-section">
            <Fieldset legend="The model" className="ew-fieldset">
              <div className="grid-row grid-gap-2">
                <Field
                  id="modelName"
                  label="Model name"
                  error={err('modelName')}
                  className="tablet:grid-col-8"
                >
                  {(a) => (
                    <TextInput
                      {...a}
                      name="modelName"
                      type="text"
                      value={draft.modelName}
                      onChange={set('modelName')}
                    />
                  )}
                </Field>
                <Field
                  id="modelVersion"
                  label="Version"
                  error={err('modelVersion')}
                  className="tablet:grid-col-4"
                >
                  {(a) => (
                    <TextInput
                      {...a}
                      name="modelVersion"
                      type="text"
                      value={draft.modelVersion}
                      onChange={set('modelVersion')}
                    />
                  )}
                </Field>
              </div>
              <Field
                id="description"
                label="Description"
                hint="What the model is and how it differs from earlier versions."
                error={err('description')}
              >
                {(a) => (
                  <Textarea
                    {...a}
                    name="description"
                    value={draft.description}
                    onChange={set('description')}
                  />
                )}
              </Field>
              <Field
                id="capabilities"
                label="Intended capabilities"
                hint="One per line, for example “code generation” or “tool use”."
                error={err('intendedCapabilities')}
              >
                {(a) => (
                  <Textarea
                    {...a}
                    name="capabilities"
                    className="ew-textarea-short"
                    value={draft.capabilities}
                    onChange={set('capabilities')}
                  />
                )}
              </Field>
            </Fieldset>
          </section>

          <section className="ew-form-section">
            <Fieldset legend="Access for the review" className="ew-fieldset">
              <Field
                id="baseUrl"
                label="Endpoint base URL"
                hint="For example https://api.example-lab.com/v1"
                error={err('endpoint.baseUrl')}
              >
                {(a) => (
                  <TextInput
                    {...a}
                    name="baseUrl"
                    type="url"
                    inputMode="url"
                    spellCheck={false}
                    value={draft.baseUrl}
                    onChange={set('baseUrl')}
                  />
                )}
              </Field>
              <Fieldset legend="Protocol" className="ew-radios">
                {err('endpoint.protocol') ? (
                  <span className="usa-error-message">{err('endpoint.protocol')}</span>
                ) : null}
                <Radio
                  id="protocol-openai"
                  name="protocol"
                  value="openai"
                  label="OpenAI Chat Completions"
                  checked={draft.protocol === 'openai'}
                  onChange={set('protocol')}
                />
                <Radio
                  id="protocol-anthropic"
                  name="protocol"
                  value="anthropic"
                  label="Anthropic Messages"
                  checked={draft.protocol === 'anthropic'}
                  onChange={set('protocol')}
                />
              </Fieldset>
              <Field
                id="modelId"
                label="Model ID"
                hint="The model name your endpoint expects in requests."
                error={err('endpoint.modelId')}
              >
                {(a) => (
                  <TextInput
                    {...a}
                    name="modelId"
                    type="text"
                    spellCheck={false}
                    value={draft.modelId}
                    onChange={set('modelId')}
                  />
                )}
              </Field>
              <Field
                id="credential"
                label="Credential"
                hint="An API key for the endpoint. It is stored encrypted, never shown again, and destroyed if you withdraw."
                error={err('endpoint.credential')}
              >
                {(a) => (
                  <TextInput
                    {...a}
                    name="credential"
                    type="password"
                    autoComplete="off"
                    spellCheck={false}
                    value={draft.credential}
                    onChange={set('credential')}
                  />
                )}
              </Field>
            </Fieldset>
          </section>

          <section className="ew-form-section">
            <Fieldset legend="Review window and release plans" className="ew-fieldset">
              <Field
                id="offeredDays"
                label="Days of access offered"
                hint={`From 1 to ${MAX_DAYS} days. The window opens when the program accepts the submission.`}
                error={err('offeredDays')}
              >
                {(a) => (
                  <Select
                    {...a}
                    name="offeredDays"
                    className="ew-select-narrow"
                    value={draft.offeredDays}
                    onChange={set('offeredDays')}
                  >
                    {Array.from({ length: MAX_DAYS }, (_, i) => MAX_DAYS - i).map((n) => (
                      <option key={n} value={n}>
                        {n} {n === 1 ? 'day' : 'days'}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
              <div className="grid-row grid-gap-2">
                <Field
                  id="partnerReleaseAt"
                  label="Planned release to trusted partners"
                  hint={`Your time zone: ${localTimeZone}`}
                  error={err('partnerReleaseAt')}
                  className="tablet:grid-col-6"
                >
                  {(a) => (
                    <DateTimeInput
                      {...a}
                      name="partnerReleaseAt"
                      value={draft.partnerReleaseAt}
                      onChange={(v) => setDraft((d) => ({ ...d, partnerReleaseAt: v }))}
                    />
                  )}
                </Field>
                <Field
                  id="publicReleaseAt"
                  label="Planned public release"
                  hint={`Your time zone: ${localTimeZone}`}
                  error={err('publicReleaseAt')}
                  className="tablet:grid-col-6"
                >
                  {(a) => (
                    <DateTimeInput
                      {...a}
                      name="publicReleaseAt"
                      value={draft.publicReleaseAt}
                      onChange={(v) => setDraft((d) => ({ ...d, publicReleaseAt: v }))}
                    />
                  )}
                </Field>
              </div>
              <p className="usa-hint margin-top-1">
                These dates are your plans, shared so the review can fit around them. Moving them
                later needs no approval.
              </p>
            </Fieldset>
          </section>

          <div className="ew-form-actions">
            <Button type="submit" disabled={register.isPending}>
              {register.isPending ? 'Registering…' : 'Register submission'}
            </Button>
            <Link to="/" className="usa-button usa-button--unstyled">
              Cancel
            </Link>
          </div>
        </form>
        <NextSteps />
      </div>
    </Page>
  )
}

/** What registering leads to, so a lab knows what it is agreeing to and what it keeps. */
function NextSteps() {
  return (
    <aside className="ew-next" aria-labelledby="next-heading">
      <h2 id="next-heading" className="ew-next__title">
        What happens next
      </h2>
      <ol className="usa-process-list ew-next__steps">
        <li className="usa-process-list__item">
          <p className="usa-process-list__heading">The program accepts</p>
          <p>
            Acceptance opens the review window: up to the days you offered, ending at your first
            release date.
          </p>
        </li>
        <li className="usa-process-list__item">
          <p className="usa-process-list__heading">The review runs</p>
          <p>
            The program evaluates the model through your endpoint. You see the aggregate
            determination.
          </p>
        </li>
        <li className="usa-process-list__item">
          <p className="usa-process-list__heading">You release when you choose</p>
          <p>
            Move your dates or withdraw at any time. Nothing in earlywatch can hold back a release.
          </p>
        </li>
      </ol>
    </aside>
  )
}
