/**
 * A typed client of this service's API, for the services that call it: every path, parameter, body and answer
 * is typed from `openapi.json` (`schema.d.ts` is generated from it by openapi-typescript; `npm run openapi`
 * rewrites both, and a test fails when they differ). Requests go through openapi-fetch, a thin wrapper of
 * `fetch`: each call answers `{ data, error, response }`, `data` when the status is 2xx, `error` (the API's
 * error body) otherwise; nothing is thrown for an HTTP error.
 *
 *   const api = createGatewayClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.GATEWAY_API_KEY! });
 *   const { data, error } = await api.GET('/api/v1/messages/{id}', { params: { path: { id } } });
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

/** The API's schemas by name: `Schemas['EventResponseDto']`, `Schemas['ErrorResponseDto']`... */
export type Schemas = components['schemas'];

export type GatewayClient = Client<paths>;

export interface GatewayClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** The service's base URL, without `/api/v1` (the paths carry it): `https://mail-gateway.internal`. */
  baseUrl: string;
  /** An API key of this service (`Authorization: Bearer`). */
  apiKey: string;
  /** More headers for every request (e.g. an `X-Request-Id` of your own). */
  headers?: Record<string, string>;
}

export function createGatewayClient({ baseUrl, apiKey, headers, ...options }: GatewayClientOptions): GatewayClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...headers, authorization: `Bearer ${apiKey}` },
  });
}
