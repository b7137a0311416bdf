/** A lab moves its release dates: no approval involved, the program is only told. */
import { Alert, AlertText, Button, Textarea } from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useState } from 'react'
import { isProblem } from '../api.ts'
import { DateTimeInput, Field } from '../platform/Field.tsx'
import { fromLocalInput, localTimeZone, toLocalInput } from '../platform/format.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { type Submission, useReschedule } from './api.ts'

export function RescheduleForm({
  submission,
  onDone,
}: {
  submission: Submission
  onDone: (m: string) => void
}) {
  const reschedule = useReschedule(submission.id)
  const [editing, setEditing] = useState(false)
  const [partner, setPartner] = useState(toLocalInput(submission.partnerReleaseAt))
  const [pub, setPub] = useState(toLocalInput(submission.publicReleaseAt))
  const [reason, setReason] = useState('')
  const problem = isProblem(reschedule.error) ? reschedule.error : undefined

  // Each opening starts from the dates as they are now, not as they were when the page loaded.
  function open() {
    setPartner(toLocalInput(submission.partnerReleaseAt))
    setPub(toLocalInput(submission.publicReleaseAt))
    setReason('')
    reschedule.reset()
    setEditing(true)
  }

  if (!editing) {
    return (
      <Button type="button" outline className="width-full margin-right-0" onClick={open}>
        Move release dates
      </Button>
    )
  }

  function submit(e: FormEvent) {
    e.preventDefault()
    const body = {
      partnerReleaseAt: changedDate(partner, submission.partnerReleaseAt),
      publicReleaseAt: changedDate(pub, submission.publicReleaseAt),
      reason: reason.trim() || undefined,
      revision: submission.revision,
    }
    reschedule.mutate(body, {
      onSuccess: () => {
        setEditing(false)
        setReason('')
        onDone('Release dates moved. No approval was needed.')
      },
    })
  }

  return (
    <form className="ew-reschedule" onSubmit={submit} noValidate aria-label="Move release dates">
      <Alert type="info" slim noIcon className="margin-y-1">
        <AlertText>Your dates are yours to move; this only tells the program.</AlertText>
      </Alert>
      <ProblemAlert error={reschedule.error} />
      <Field
        id="reschedule-partner"
        label="Partner release"
        hint={`Time zone: ${localTimeZone}`}
        error={problem?.fieldMessage('partnerReleaseAt')}
      >
        {(a) => (
          <DateTimeInput {...a} name="partnerReleaseAt" value={partner} onChange={setPartner} />
        )}
      </Field>
      <Field
        id="reschedule-public"
        label="Public release"
        hint={`Time zone: ${localTimeZone}`}
        error={problem?.fieldMessage('publicReleaseAt')}
      >
        {(a) => <DateTimeInput {...a} name="publicReleaseAt" value={pub} onChange={setPub} />}
      </Field>
      <Field
        id="reschedule-reason"
        label="Note for the program"
        optional
        error={problem?.fieldMessage('reason')}
      >
        {(a) => (
          <Textarea
            {...a}
            name="reason"
            className="ew-textarea-short"
            value={reason}
            onChange={(e: ChangeEvent<HTMLTextAreaElement>) => setReason(e.target.value)}
          />
        )}
      </Field>
      <div className="ew-form-actions">
        <Button type="submit" disabled={reschedule.isPending}>
          {reschedule.isPending ? 'Saving…' : 'Save dates'}
        </Button>
        <Button type="button" unstyled onClick={() => setEditing(false)}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

/** Only dates the person changed are sent: a new instant, or null when a date was cleared. */
function changedDate(input: string, current: string | null): string | null | undefined {
  if (input === toLocalInput(current)) return undefined
  return input ? fromLocalInput(input) : null
}
