-- expand: a new index, additive; the previous version neither needs nor notices it. Building
-- it holds a lock that blocks writes to deliveries (ingest, results) until it is built: on a
-- large table, create it beforehand by hand with CREATE INDEX CONCURRENTLY and the same name
-- and columns, and this statement then finds it there (IF NOT EXISTS).
CREATE INDEX IF NOT EXISTS "deliveries_tenant_id_idx" ON "deliveries" USING btree ("tenant_id","id");
