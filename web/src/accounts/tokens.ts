/** Your API tokens: the list, creating one (its secret is answered once) and revoking. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../api.ts'

/** What the list shows about a token: enough to recognise and revoke it, nothing to use it. */
export interface TokenInfo {
  id: string
  name: string
  /** The first characters of the token, to tell tokens apart. */
  hint: string
  orgId: string
  orgName: string
  createdAt: string
  expiresAt: string
  revokedAt: string | null
  lastUsedAt: string | null
}

/** The answer to creating a token: the only time `token` itself is ever sent. */
export interface NewToken {
  token: string
  id: string
  name: string
  hint: string
  orgId: string
  expiresAt: string
}

export const TOKEN_DEFAULT_DAYS = 90
export const TOKEN_MAX_DAYS = 365

const tokensKey = ['me', 'tokens'] as const

export function useTokens() {
  return useQuery({
    queryKey: tokensKey,
    queryFn: ({ signal }) => api<{ items: TokenInfo[] }>('/api/me/tokens', { signal }),
    select: (data) =>
      [...data.items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)),
  })
}

export function useCreateToken() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: { name: string; days: number }) =>
      api<NewToken>('/api/me/tokens', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: tokensKey }),
  })
}

export function useRevokeToken() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) =>
      api<undefined>(`/api/me/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: tokensKey }),
  })
}

export type TokenStatus = 'active' | 'expired' | 'revoked'

/** Revoked wins over expired: it says someone stopped the token on purpose. */
export function tokenStatus(t: Pick<TokenInfo, 'revokedAt' | 'expiresAt'>, now = Date.now()) {
  if (t.revokedAt) return 'revoked' as const
  if (Date.parse(t.expiresAt) <= now) return 'expired' as const
  return 'active' as const
}
