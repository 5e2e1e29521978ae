import { z } from "zod";

/** Shapes of Grafana's responses, as documented in docs/grafana-http-api.md. */

export const healthResponse = z.object({ version: z.string().optional(), database: z.string().optional() }).loose();

export const createdApiKey = z.object({ id: z.number().int(), name: z.string(), key: z.string().min(1) }).loose();

export const apiKeyListItem = z
    .object({
        id: z.number().int(),
        name: z.string(),
        role: z.string().optional(),
        expiration: z.string().nullish(),
        lastUsedAt: z.string().nullish(),
    })
    .loose();
export const apiKeyList = z.array(apiKeyListItem);

export const serviceAccount = z
    .object({
        id: z.number().int(),
        name: z.string(),
        uid: z.string().optional(),
        login: z.string().optional(),
        orgId: z.number().int().optional(),
        role: z.string().optional(),
        isDisabled: z.boolean().optional(),
        /** In the search result and the create answer: how many tokens the account holds. */
        tokens: z.number().int().optional(),
        /** Only in the account's profile (GET /api/serviceaccounts/:id), not in search results. */
        createdAt: z.string().nullish(),
    })
    .loose();

export const serviceAccountSearch = z.object({ totalCount: z.number().int(), serviceAccounts: z.array(serviceAccount) }).loose();

export const createdToken = z.object({ id: z.number().int(), name: z.string(), key: z.string().min(1) }).loose();

export const tokenListItem = z
    .object({
        id: z.number().int(),
        name: z.string(),
        expiration: z.string().nullish(),
        hasExpired: z.boolean().optional(),
        secondsUntilExpiration: z.number().nullish(),
        created: z.string().nullish(),
        lastUsedAt: z.string().nullish(),
        /** Set when Grafana revoked the token (secret scanning); a revoked token no longer signs in (docs/grafana-upgrades.md). */
        isRevoked: z.boolean().nullish(),
    })
    .loose();
export const tokenList = z.array(tokenListItem);

/** GET /api/frontend/settings/: of its many fields, only the token lifetime limit is read (-1 or 0: none). */
export const frontendSettings = z.object({ tokenExpirationDayLimit: z.number().int().optional() }).loose();

export const anyBody = z.unknown();

export type ApiKeyListItem = z.infer<typeof apiKeyListItem>;
export type ServiceAccount = z.infer<typeof serviceAccount>;
export type TokenListItem = z.infer<typeof tokenListItem>;
