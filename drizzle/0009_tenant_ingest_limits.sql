-- expand: two nullable columns, additive; the previous version neither reads nor writes them.
ALTER TABLE "tenants" ADD COLUMN "ingest_rate" double precision;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "ingest_burst" integer;