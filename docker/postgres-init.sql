-- Run once by the postgres image, when its data volume is empty
-- (docker-entrypoint-initdb.d). One database per subgraph, named as
-- `pnpm start` names them (prefix shop_). Each subgraph creates its own tables
-- at start (MIGRATE_ON_START); `pnpm seed` fills them with demo data.
CREATE DATABASE shop_catalogue;
CREATE DATABASE shop_inventory;
CREATE DATABASE shop_pricing;
CREATE DATABASE shop_orders;
CREATE DATABASE shop_personalization;
