import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { OrdersDatabase } from '../db/database.ts';
import type { AuthorizationResult, PaymentProvider } from './payment.port.ts';

/** Test-mode tokens, as the contract names them. */
export const TEST_TOKENS = { visa: 'tok_visa', declined: 'tok_chargeDeclined' } as const;

/**
 * The built-in test-mode provider: `tok_visa` authorizes, `tok_chargeDeclined`
 * is declined, anything else is invalid. Authorizations are kept in their own
 * table, outside the saga's transaction, as a real provider's would be.
 */
export class TestPaymentProvider implements PaymentProvider {
  constructor(private readonly db: Kysely<OrdersDatabase>) {}

  async authorize(request: { requestKey: string; amountMinor: number; currencyCode: string; token: string }): Promise<AuthorizationResult> {
    if (request.token === TEST_TOKENS.declined) return { status: 'DECLINED', message: 'The card was declined' };
    if (request.token !== TEST_TOKENS.visa) return { status: 'INVALID', message: 'Unknown payment token' };
    const id = `auth_${randomBytes(12).toString('base64url')}`;
    await this.db
      .insertInto('payment_authorization')
      .values({ id, request_key: request.requestKey, amount_minor: request.amountMinor, currency_code: request.currencyCode, status: 'AUTHORIZED' })
      .onConflict((oc) => oc.column('request_key').doNothing())
      .execute();
    const row = await this.db.selectFrom('payment_authorization').select(['id', 'status']).where('request_key', '=', request.requestKey).executeTakeFirstOrThrow();
    if (row.status !== 'AUTHORIZED') {
      // A voided earlier attempt with the same key: authorize afresh under a new row key.
      return this.authorize({ ...request, requestKey: `${request.requestKey}#${randomBytes(4).toString('hex')}` });
    }
    return { status: 'AUTHORIZED', authorizationId: row.id };
  }

  async void(authorizationId: string): Promise<void> {
    await this.db.updateTable('payment_authorization').set({ status: 'VOIDED' }).where('id', '=', authorizationId).execute();
  }
}
