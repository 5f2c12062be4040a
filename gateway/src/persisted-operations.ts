import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ApolloServerPlugin } from '@apollo/server';

/** Refused: the gateway accepts only operations registered in a client's manifest. */
export const PERSISTED_QUERY_NOT_ALLOWED = 'PERSISTED_QUERY_NOT_ALLOWED';

/**
 * The operations the BFFs may send: the union of their codegen manifests
 * (`persisted-documents.json`, hash -> document). A manifest that cannot be
 * read stops the gateway at start, not at the first request.
 */
export function loadManifests(paths: string[]): Map<string, string> {
  const operations = new Map<string, string>();
  for (const path of paths) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`PERSISTED_OPERATIONS: cannot read manifest ${path}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`PERSISTED_OPERATIONS: ${path} is not a hash -> document object`);
    for (const [hash, document] of Object.entries(parsed)) {
      if (!/^[0-9a-f]{64}$/.test(hash) || typeof document !== 'string') throw new Error(`PERSISTED_OPERATIONS: ${path}: bad entry ${hash.slice(0, 20)}`);
      operations.set(hash, document);
    }
  }
  return operations;
}

/**
 * Apollo Server's persisted-query store (APQ wire format: the client sends
 * `extensions.persistedQuery.sha256Hash`). Registered operations always
 * resolve from the manifests. In development a client may also register a
 * new document by sending it with its hash (kept in a bounded LRU); with
 * `trustedOnly` nothing new is ever stored.
 */
export function persistedQueryStore(manifest: Map<string, string>, { trustedOnly }: { trustedOnly: boolean }) {
  const registered = trustedOnly ? undefined : new LRUCache<string, string>({ max: 10_000 });
  const hashOf = (key: string) => (key.startsWith('apq:') ? key.slice(4) : key);
  return {
    async get(key: string) {
      const hash = hashOf(key);
      return manifest.get(hash) ?? registered?.get(hash);
    },
    async set(key: string, value: string) {
      registered?.set(hashOf(key), value);
    },
    async delete(key: string) {
      registered?.delete(hashOf(key));
      return true;
    },
  };
}

/**
 * Trusted documents (production): an operation runs only when it carries the
 * hash of a manifest entry. A full document, or a hash no manifest holds, is
 * refused before execution with PERSISTED_QUERY_NOT_ALLOWED (HTTP 400).
 */
export function trustedDocumentsPlugin(manifest: Map<string, string>): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          const hash = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
          if (typeof hash === 'string' && manifest.has(hash)) return;
          throw new GraphQLError('This gateway runs only registered operations: send the hash of an operation from a client manifest (see README, "Persisted operations")', {
            extensions: { code: PERSISTED_QUERY_NOT_ALLOWED, http: { status: 400 } },
          });
        },
      };
    },
  };
}
