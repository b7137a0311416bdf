/**
 * A yes-or-no confirmation before something that cannot be undone (revoking a token or a
 * role). USWDS modal: focus is trapped while open and returns to the opener after; when the
 * change removes the opener (a revoked row loses its button), `closeAndRefocus` says where
 * focus goes instead of the document body.
 */
import {
  Button,
  ButtonGroup,
  Modal,
  ModalFooter,
  ModalHeading,
  type ModalRef,
  ModalToggleButton,
} from '@trussworks/react-uswds'
import type { FormEvent, ReactNode, RefObject } from 'react'
import { ProblemAlert } from './ProblemAlert.tsx'

interface Props {
  id: string
  modalRef: RefObject<ModalRef | null>
  heading: string
  children: ReactNode
  confirmLabel: string
  pending: boolean
  error: unknown
  onConfirm: () => void
}

export function ConfirmModal(props: Props) {
  const { id, modalRef, heading, children, confirmLabel, pending, error, onConfirm } = props

  function submit(e: FormEvent) {
    e.preventDefault()
    onConfirm()
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
        <ModalActions modalRef={modalRef} pending={pending} confirmLabel={confirmLabel} danger />
      </form>
    </Modal>
  )
}

/** A modal form's buttons: the confirming submit (red when `danger`) and Cancel. */
export function ModalActions(props: {
  modalRef: RefObject<ModalRef | null>
  pending: boolean
  confirmLabel: string
  danger?: boolean
}) {
  const { modalRef, pending, confirmLabel, danger = false } = props
  return (
    <ModalFooter>
      <ButtonGroup>
        <Button type="submit" secondary={danger} disabled={pending}>
          {pending ? 'Working…' : confirmLabel}
        </Button>
        <ModalToggleButton modalRef={modalRef} closer unstyled className="padding-105 text-center">
          Cancel
        </ModalToggleButton>
      </ButtonGroup>
    </ModalFooter>
  )
}

/**
 * Closes the modal and, once the focus trap has handed focus back, moves it to `target` if
 * the element that opened the modal no longer exists (focus would otherwise fall to the body).
 */
export function closeAndRefocus(
  modalRef: RefObject<ModalRef | null>,
  target: () => HTMLElement | null | undefined,
) {
  modalRef.current?.toggleModal(undefined, false)
  window.setTimeout(() => {
    const active = document.activeElement
    if (!active || active === document.body) target()?.focus({ preventScroll: false })
  }, 50)
}
