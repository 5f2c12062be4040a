import type { ColumnType, Generated } from 'kysely';
import type { RegionCode } from '@shop/platform';

export type CartStatus = 'OPEN' | 'CHECKED_OUT';

export interface CartTable {
  /** Unguessable: `cart_` and 128 random bits. */
  id: string;
  region: RegionCode;
  /** Null for a guest cart until checkout binds it. */
  user_id: string | null;
  status: CartStatus;
  reserved_until: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CartLineTable {
  cart_id: string;
  sku: string;
  quantity: number;
  added_at: Generated<Date>;
}

export interface OrderTable {
  id: string;
  user_id: string;
  cart_id: string;
  region: RegionCode;
  status: 'CONFIRMED';
  currency_code: string;
  subtotal_minor: ColumnType<number, number, never>;
  tax_minor: ColumnType<number, number, never>;
  total_minor: ColumnType<number, number, never>;
  payment_authorization_id: string;
  created_at: Generated<Date>;
}

export interface OrderLineTable {
  order_id: string;
  sku: string;
  product_id: string;
  quantity: number;
  unit_price_minor: number;
  line_total_minor: number;
}

/** One row per (shopper, key): the first checkout's result, kept at least 24 hours. */
export interface IdempotencyKeyTable {
  user_id: string;
  key: string;
  cart_id: string;
  order_id: string | null;
  created_at: Generated<Date>;
}

/** The built-in test-mode payment provider's ledger (a real provider keeps its own). */
export interface PaymentAuthorizationTable {
  id: string;
  /** The provider-side idempotency key: one authorization per checkout attempt key. */
  request_key: string;
  amount_minor: number;
  currency_code: string;
  status: 'AUTHORIZED' | 'VOIDED';
  created_at: Generated<Date>;
}

export interface OrdersDatabase {
  cart: CartTable;
  cart_line: CartLineTable;
  customer_order: OrderTable;
  order_line: OrderLineTable;
  idempotency_key: IdempotencyKeyTable;
  payment_authorization: PaymentAuthorizationTable;
}
