export * from './contract.ts';
export * from './ports.ts';
export * from './graphql.ts';
export * from './metrics.ts';
export * from './services.ts';
export * from './db.ts';
