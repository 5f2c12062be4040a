/**
 * The live endpoint's protocol: graphql-transport-ws (the `graphql-ws`
 * library), at the BFF's /graphql path. Close codes are the library's
 * (`CloseCode`): 4400 bad message, 4401 subscribe before ack, 4403
 * forbidden (a bad token in connection_init, or recommendations without
 * one), 4406 wrong subprotocol, 4408 no connection_init in time, 4409
 * duplicate subscription id, 4429 a second connection_init; 1001 when the
 * BFF shuts down. The access token travels in the connection_init payload as
 * `{ "authorization": "Bearer <token>" }`.
 */
export { CloseCode } from 'graphql-ws';

export const LiveLimits = {
  /** @default 100 // skus one stockBadges subscription may watch */
  maxSkusPerSubscription: 100,
  /** @default 20 // subscriptions open at once on one socket */
  maxSubscriptionsPerSocket: 20,
  /** @default 50 // recommendations per pushed list */
  maxRecommendations: 50,
  /** @default 3_000 // 3 seconds for connection_init after the socket opens */
  connectionInitWaitMs: 3_000,
  /** @default 12_000 // 12 seconds between keep-alive pings */
  keepAliveMs: 12_000,
} as const;

/** A stream whose consumer stopped: every pending pull ends. */
export interface Closable {
  close(): void;
}
