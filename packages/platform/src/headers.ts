/** Every header name the services exchange, defined once. Lower case, as Node presents them. */
export const Header = {
  /** Correlates the logs of one client request across the gateway and subgraphs. */
  requestId: 'x-request-id',
  /** The internal service credential; subgraphs refuse requests without it. */
  internal: 'x-shop-internal',
  /** The verified shopper id, set only by the gateway after it verified the access token. */
  userId: 'x-shop-user-id',
  authorization: 'authorization',
} as const;
