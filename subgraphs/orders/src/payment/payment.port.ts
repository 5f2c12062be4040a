/**
 * The payment port: where a real provider (Stripe, Adyen…) plugs in. The
 * checkout saga only ever sees these results.
 */
export type AuthorizationResult =
  | { status: 'AUTHORIZED'; authorizationId: string }
  | { status: 'DECLINED'; message: string }
  | { status: 'INVALID'; message: string };

export interface PaymentProvider {
  /**
   * Authorizes `amountMinor`. `requestKey` is the provider-side idempotency
   * key: the same key never authorizes twice, it returns the first result.
   */
  authorize(request: { requestKey: string; amountMinor: number; currencyCode: string; token: string }): Promise<AuthorizationResult>;
  /** Gives an authorization back (compensation when a later saga step fails). */
  void(authorizationId: string): Promise<void>;
}
