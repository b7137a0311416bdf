/** One sample's transcript: the conversation with tool calls and their outputs, the scores with explanations, timing, tokens, limits and errors. */
import { Alert, SummaryBox, SummaryBoxContent, SummaryBoxHeading } from '@trussworks/react-uswds'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { pct, useTranscript } from './api.ts'

export function TranscriptPage({
  runId,
  sampleId,
  epoch,
}: {
  runId: string
  sampleId: string
  epoch: number
}) {
  const t = useTranscript(runId, sampleId, epoch)
  const back = (
    <Link to={`/evals/runs/${runId}`} className="usa-link">
      Back to the run
    </Link>
  )
  if (t.error)
    return (
      <Page title={`Sample ${sampleId}`}>
        {back}
        <ProblemAlert error={t.error} />
      </Page>
    )
  if (!t.data) return <p className="ew-loading">Loading the transcript…</p>
  const d = t.data
  return (
    <Page
      title={`Sample ${d.sampleId}, epoch ${d.epoch}`}
      lead={
        <>
          {back} · {d.model}
        </>
      }
    >
      {d.error ? (
        <Alert type="error">
          <strong>This sample failed:</strong> {d.error}
        </Alert>
      ) : null}
      {d.limit ? (
        <Alert type="warning" slim>
          <strong>A limit ended this sample.</strong> The {d.limit.kind.replace('_', ' ')} limit of{' '}
          {d.limit.limit} was reached ({Number(d.limit.value.toFixed(2))}).
        </Alert>
      ) : null}
      <SummaryBox className="margin-bottom-3">
        <SummaryBoxHeading headingLevel="h2">Scores</SummaryBoxHeading>
        <SummaryBoxContent>
          {Object.entries(d.scores).map(([name, s]) => (
            <p key={name}>
              <strong>{name}</strong>: {pct(s.value)}
              {s.answer ? (
                <>
                  {' '}
                  — answer <code>{s.answer.slice(0, 200)}</code>
                </>
              ) : null}
              <br />
              <span className="ew-explanation">{s.explanation}</span>
            </p>
          ))}
          <p className="font-sans-2xs">
            Target <code>{d.target.join(' | ')}</code> ·{' '}
            {(d.usage.inputTokens + d.usage.outputTokens).toLocaleString()} tokens · {d.toolCalls}{' '}
            tool calls · {(d.totalMs / 1000).toFixed(2)} s ({(d.workingMs / 1000).toFixed(2)} s
            working)
            {Object.keys(d.metadata).length
              ? ` · ${Object.entries(d.metadata)
                  .map(([k, v]) => `${k}: ${String(v)}`)
                  .join(', ')}`
              : ''}
          </p>
        </SummaryBoxContent>
      </SummaryBox>
      <h2>Conversation</h2>
      <ol className="ew-transcript usa-list usa-list--unstyled">
        {d.messages.map((m, i) => (
          <li
            // biome-ignore lint/suspicious/noArrayIndexKey: a transcript never reorders; position is a message's identity
            key={i}
            className={`ew-msg ew-msg--${m.role} margin-bottom-2 padding-2 border-1px border-base-lighter radius-md`}
          >
            <div className="text-bold text-uppercase font-sans-3xs margin-bottom-1">
              {m.role}
              {m.toolName ? ` · ${m.toolName}` : ''}
              {m.error ? ' · error' : ''}
            </div>
            {m.content ? <pre className="ew-pre margin-0">{m.content}</pre> : null}
            {m.toolCalls?.map((c) => (
              <pre key={c.id} className="ew-pre ew-toolcall margin-top-1 margin-bottom-0">
                {`→ ${c.name}(${JSON.stringify(c.arguments, null, 1)})`}
              </pre>
            ))}
          </li>
        ))}
      </ol>
    </Page>
  )
}
