/**
 * A confirmation dialog that asks for a reason: used to withdraw a submission and to move it
 * between states. USWDS modal, so focus is trapped while open and returns to the opener after.
 */
import { Modal, ModalHeading, type ModalRef, Textarea } from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, type ReactNode, type RefObject, useState } from 'react'
import { isProblem } from '../api.ts'
import { ModalActions } from '../platform/ConfirmModal.tsx'
import { Field } from '../platform/Field.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'

interface Props {
  id: string
  modalRef: RefObject<ModalRef | null>
  heading: string
  children: ReactNode
  confirmLabel: string
  reasonLabel: string
  reasonRequired?: boolean
  danger?: boolean
  pending: boolean
  error: unknown
  onConfirm: (reason: string) => void
}

export function ReasonModal(props: Props) {
  const {
    id,
    modalRef,
    heading,
    children,
    confirmLabel,
    reasonLabel,
    reasonRequired,
    danger,
    pending,
    error,
    onConfirm,
  } = props
  const [reason, setReason] = useState('')
  const [missing, setMissing] = useState(false)
  const fieldError =
    (isProblem(error) ? error.fieldMessage('reason') : undefined) ??
    (missing ? 'Give a reason.' : undefined)

  function submit(e: FormEvent) {
    e.preventDefault()
    if (reasonRequired && !reason.trim()) {
      setMissing(true)
      return
    }
    setMissing(false)
    onConfirm(reason.trim())
  }

  return (
    <Modal
      ref={modalRef}
      id={id}
      aria-labelledby={`${id}-heading`}
      aria-describedby={`${id}-description`}
    >
      <form onSubmit={submit} noValidate>
        <ModalHeading id={`${id}-heading`}>{heading}</ModalHeading>
        <div className="usa-prose" id={`${id}-description`}>
          {children}
        </div>
        <ProblemAlert error={error} className="margin-top-2" />
        <Field
          id={`${id}-reason`}
          label={reasonLabel}
          optional={!reasonRequired}
          error={fieldError}
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
        <ModalActions
          modalRef={modalRef}
          pending={pending}
          confirmLabel={confirmLabel}
          danger={danger}
        />
      </form>
    </Modal>
  )
}
