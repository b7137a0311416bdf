/**
 * One labelled form field in USWDS style: label, hint, the server's message for it, and the
 * ARIA that ties them to the input. The input itself comes from the caller.
 */
import { ErrorMessage, FormGroup, Label } from '@trussworks/react-uswds'
import type { ReactNode } from 'react'

export interface FieldA11y {
  id: string
  'aria-describedby'?: string
  /** Also what draws the error border: see `[aria-invalid]` in styles.css. */
  'aria-invalid'?: boolean
}

interface Props {
  id: string
  label: ReactNode
  hint?: ReactNode
  error?: string
  optional?: boolean
  className?: string
  children: (a11y: FieldA11y) => ReactNode
}

export function Field({ id, label, hint, error, optional, className, children }: Props) {
  const hintId = hint ? `${id}-hint` : undefined
  const errorId = error ? `${id}-error` : undefined
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined
  return (
    <FormGroup error={Boolean(error)} className={className}>
      <Label htmlFor={id} error={Boolean(error)}>
        {label}
        {optional ? <span className="usa-hint"> (optional)</span> : null}
      </Label>
      {hint ? (
        <span className="usa-hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      {error ? <ErrorMessage id={errorId}>{error}</ErrorMessage> : null}
      {children({
        id,
        'aria-describedby': describedBy,
        'aria-invalid': error ? true : undefined,
      })}
    </FormGroup>
  )
}

/** A USWDS-styled `datetime-local` input; its value is local wall-clock time (see format.ts to convert). */
export function DateTimeInput({
  onChange,
  ...rest
}: FieldA11y & { name: string; value: string; onChange: (value: string) => void }) {
  return (
    <input
      {...rest}
      type="datetime-local"
      className="usa-input ew-datetime"
      onChange={(e) => onChange(e.target.value)}
    />
  )
}
