import type { InternalClient, RegionCode } from '@shop/platform';

export interface UserErrorView {
  code: string;
  field: string[] | null;
  message: string;
}

interface CallContext {
  requestId?: string;
}

/** Inventory's internal reservation operations, called on the inventory subgraph itself. */
export function inventoryClient(client: InternalClient) {
  return {
    /** Sets the cart's held quantity of a sku (absolute; 0 gives it back). */
    async reserve(input: { cartId: string; sku: string; region: RegionCode; quantity: number }, ctx: CallContext) {
      const data = await client.call<{ reserveStock: { reservation: { quantity: number; expiresAt: string } | null; userErrors: UserErrorView[] } }>(
        `mutation Reserve($input: ReserveStockInput!) {
          reserveStock(input: $input) { reservation { quantity expiresAt } userErrors { code field message } }
        }`,
        { input },
        ctx,
      );
      return data.reserveStock;
    },
    /** reserve for every line of a cart in one call, all or nothing. */
    async reserveLines(input: { cartId: string; region: RegionCode; lines: { sku: string; quantity: number }[] }, ctx: CallContext) {
      const data = await client.call<{ reserveStockLines: { reservations: { sku: string; quantity: number; expiresAt: string }[]; userErrors: UserErrorView[] } }>(
        `mutation ReserveLines($input: ReserveStockLinesInput!) {
          reserveStockLines(input: $input) { reservations { sku quantity expiresAt } userErrors { code field message } }
        }`,
        { input },
        ctx,
      );
      return data.reserveStockLines;
    },
    async release(cartId: string, sku: string | null, ctx: CallContext) {
      const data = await client.call<{ releaseStock: { userErrors: UserErrorView[] } }>(
        `mutation Release($cartId: ID!, $sku: ID) { releaseStock(cartId: $cartId, sku: $sku) { userErrors { code field message } } }`,
        { cartId, sku },
        ctx,
      );
      return data.releaseStock;
    },
    async commit(cartId: string, ctx: CallContext) {
      const data = await client.call<{ commitReservations: { userErrors: UserErrorView[] } }>(
        `mutation Commit($cartId: ID!) { commitReservations(cartId: $cartId) { userErrors { code field message } } }`,
        { cartId },
        ctx,
      );
      return data.commitReservations;
    },
  };
}
export type InventoryClient = ReturnType<typeof inventoryClient>;
