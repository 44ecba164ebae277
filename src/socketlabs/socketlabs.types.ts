/**
 * Wire types of the SocketLabs v2 API and the Injection API, as far as SocketLabs documents them
 * (docs/socketlabs-wire-format.md §4, §5 and the Complex Sender quickstart). SocketLabs' own casing is kept,
 * including its inconsistencies (`DnsHostName` next to `truncatedPrivateKey`): the proxy returns `data`
 * unchanged in shape. Fields marked [I] are inferred; every type allows fields nobody documented.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A query value; `undefined`, `null` and `''` are left out, arrays become repeated parameters. */
export type SocketLabsQueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;
export type SocketLabsQuery = Record<string, SocketLabsQueryValue>;

/** One upstream operation: what `SocketLabsPaths` returns and `SocketLabsClient.call` takes. */
export interface SocketLabsRoute {
  /** Stable name, in logs and errors, e.g. `accounts.createIpPool`. */
  operation: string;
  method: HttpMethod;
  /** Path under the base URL, e.g. `/v2/ip-pool`. Path parameters already encoded. */
  path: string;
  /**
   * Overrides the default (GET, PUT, DELETE idempotent; POST, PATCH not). A non-idempotent call is only
   * retried when SocketLabs cannot have acted on it (see SocketLabsClient).
   */
  idempotent?: boolean;
}

export interface SocketLabsRequest extends SocketLabsRoute {
  query?: SocketLabsQuery;
  /** Sent as JSON. */
  body?: unknown;
}

/** Paged list envelope (`pageNumber` is 0-based). */
export interface SocketLabsList<T> {
  data: T[];
  total: number;
}

/** One item of the v2 error envelope `{ "data": { "error": [ ... ] } }`. */
export interface SocketLabsErrorItem {
  errorType: string;
  message: string;
}

// ---- Account ------------------------------------------------------------------------------------

/** One entry of `GET /v2/ip-allocation`. The response shape is not documented [I]. */
export interface SocketLabsIpAllocation {
  ipAssignmentId?: string | number;
  ipAddress?: string;
  [field: string]: unknown;
}

/** An IP pool, as embedded in a subaccount (`assignedIpPool`) [C]; the create answer is assumed the same [I]. */
export interface SocketLabsIpPool {
  ipPoolId: number;
  accountId: number;
  name: string;
  status: string;
  createdOn: string;
  isDefault: boolean;
  streamScore: number;
  dailyVolume: number;
  [field: string]: unknown;
}

/** Body of the IP pool create call; SocketLabs spells the list `ipAssignmentIDs` [C] S-QS. */
export interface SocketLabsCreateIpPoolBody {
  name: string;
  ipAssignmentIDs: string[];
}

/** Event types a webhook can subscribe to, and the values of `perform-test?type=` (S-ACCT's table). */
export const EVENT_WEBHOOK_EVENT_TYPES = [
  'Queued',
  'Sent',
  'Failed',
  'Deferred',
  'Complaint',
  'Click',
  'Open',
] as const;
export type EventWebhookEventType = (typeof EVENT_WEBHOOK_EVENT_TYPES)[number];

/** An event webhook (account or subaccount). Body and answer are not documented [I]. */
export interface SocketLabsEventWebhook {
  id?: number | string;
  name?: string;
  url?: string;
  enabled?: boolean;
  eventTypes?: string[];
  secretKey?: string;
  [field: string]: unknown;
}

/** The sample event answered by `perform-test` (its `Type` is the wire name: `Sent` tests answer `Delivered`). */
export interface SocketLabsTestEvent {
  Type: string;
  DateTime: string;
  ServerId?: number;
  SecretKey?: string;
  [field: string]: unknown;
}

// ---- Subaccounts --------------------------------------------------------------------------------

export interface SocketLabsSubaccount {
  subaccountId: number;
  accountId: number;
  name: string;
  status: string;
  createdOn: string;
  streamScore: number;
  dailyVolume: number;
  urgency: string;
  hasDkim: boolean;
  hasSpf: boolean;
  useRuleEngine?: boolean;
  assignedIpPool?: SocketLabsIpPool;
  [field: string]: unknown;
}

/** Body of the subaccount create call: `name` and exactly one of `ipPoolId` / `useRuleEngine`. */
export interface SocketLabsCreateSubaccountBody {
  name: string;
  ipPoolId?: number;
  useRuleEngine?: boolean;
}

export interface SocketLabsInjectionApiCredentials {
  serverId: number;
  apiKey: string;
  gateway: string;
}

export interface SocketLabsSmtpCredentials {
  username: string;
  password: string;
  gateway: string;
}

// ---- Authentication (DKIM, bounce domains) and tracking -----------------------------------------

/** Answer of the DKIM generate call (`POST .../dkim?domain=&selector=` without a body). */
export interface SocketLabsDkimGeneratedKey {
  DnsHostName: string;
  Domain: string;
  Selector: string;
  DnsRecord: string;
  PublicKey: string;
  PrivateKey: string;
}

/** Answer of the DKIM create call with a provided private key. */
export interface SocketLabsDkimEntry {
  Domain: string;
  Selector: string;
  truncatedPrivateKey: string;
  recordType: string;
  createdOn: string;
  updatedOn: string;
  [field: string]: unknown;
}

export interface SocketLabsBounceDomain {
  domain: string;
  isDefault: boolean;
  validationResult: string;
  createdOn: string;
  updatedOn: string;
  [field: string]: unknown;
}

export interface SocketLabsTrackingDomain {
  Domain: string;
  opensEnabled: boolean | string;
  clicksEnabled: boolean | string;
  unsubscribesEnabled?: boolean | string;
  automaticTrackingEnabled: boolean | string;
  googleAnalyticsEnabled: boolean | string;
  isDefault?: boolean | string;
  encryptedTrackingStatus?: string;
  createdOn: string;
  updatedOn: string;
  [field: string]: unknown;
}

// ---- Injection API (answers are NOT wrapped in `data`; field names are PascalCase) ---------------

export interface InjectionAddress {
  emailAddress: string;
  friendlyName?: string;
}

/** The request envelope. The key goes in the Authorization header; `apiKey` only for old-format keys. */
export interface InjectionRequest {
  serverId: number | string;
  apiKey?: string;
  messages: InjectionMessage[];
}

/** One message; see docs/socketlabs-wire-format.md §5 for every field and its spellings. */
export interface InjectionMessage {
  to?: InjectionAddress[];
  from?: InjectionAddress;
  subject?: string;
  textBody?: string;
  htmlBody?: string;
  ampBody?: string;
  [field: string]: unknown;
}

/** `Success`, `Warning` (some messages or recipients failed) or a failure code such as `InvalidAuthentication`. */
export type InjectionErrorCode = string;

export interface InjectionAddressResult {
  EmailAddress: string;
  Accepted: boolean;
  ErrorCode: string;
}

export interface InjectionMessageResult {
  Index: number;
  ErrorCode: string;
  AddressResults: InjectionAddressResult[] | null;
}

export interface InjectionResponse {
  ErrorCode: InjectionErrorCode;
  TransactionReceipt: string | null;
  MessageResults: InjectionMessageResult[] | null;
}
