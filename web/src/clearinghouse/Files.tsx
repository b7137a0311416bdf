/** Evidence files: listed with their TLP label, uploaded encrypted, and only ever downloaded (never shown inline). */

import { useQuery } from '@tanstack/react-query'
import { Button, Select } from '@trussworks/react-uswds'
import { useState } from 'react'
import { api } from '../api.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { type Attachment, post, TLP_LABELS, type Tlp, useChange } from './api.ts'
import { TlpTag } from './Tags.tsx'

/** Base64 of a file's bytes, in chunks so large files do not overflow the argument list. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function FileList({ files }: { files: Attachment[] }) {
  if (files.length === 0) return <p>No files.</p>
  return (
    <ul className="ew-files">
      {files.map((a) => (
        <li key={a.id}>
          <a
            className="usa-link"
            href={`/api/clearinghouse/attachments/${a.id}`}
            download={a.filename}
          >
            {a.filename}
          </a>{' '}
          <TlpTag tlp={a.tlp} /> {a.size} bytes
        </li>
      ))}
    </ul>
  )
}

/** Upload to `/reports/{id}/attachments` or `/cases/{id}/attachments`. */
export function FileUpload({ target, defaultTlp }: { target: string; defaultTlp: Tlp }) {
  const [file, setFile] = useState<File | null>(null)
  const [tlp, setTlp] = useState<Tlp>(defaultTlp)
  const upload = useChange(async (f: File) =>
    post<Attachment>(`${target}/attachments`, {
      filename: f.name,
      mediaType: f.type || 'application/octet-stream',
      contentBase64: await base64Of(f),
      tlp,
    }),
  )
  const id = `upload-${target.replaceAll('/', '-')}`
  return (
    <form
      aria-label="Attach a file"
      onSubmit={(e) => {
        e.preventDefault()
        if (file) upload.mutate(file, { onSuccess: () => setFile(null) })
      }}
    >
      <ProblemAlert error={upload.error} />
      <label className="usa-label" htmlFor={id}>
        Attach a proof of concept (at most 10 MiB; stored encrypted)
      </label>
      <input
        id={id}
        className="usa-file-input"
        type="file"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      <label className="usa-label" htmlFor={`${id}-tlp`}>
        Label
      </label>
      <Select
        id={`${id}-tlp`}
        name="tlp"
        value={tlp}
        onChange={(e) => setTlp(e.target.value as Tlp)}
      >
        {TLP_LABELS.map((l) => (
          <option key={l} value={l}>
            TLP:{l}
          </option>
        ))}
      </Select>
      <Button type="submit" outline disabled={!file || upload.isPending}>
        Attach
      </Button>
    </form>
  )
}

export function useCaseFiles(caseId: string) {
  return useQuery({
    queryKey: ['clearinghouse', 'case', caseId, 'files'],
    queryFn: ({ signal }) =>
      api<{ items: Attachment[] }>(
        `/api/clearinghouse/cases/${encodeURIComponent(caseId)}/attachments`,
        { signal },
      ),
    select: (d) => d.items,
  })
}
