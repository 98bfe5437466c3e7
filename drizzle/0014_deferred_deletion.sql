-- expand: two nullable columns without a default (no table rewrite) and an index on a column
-- that is null everywhere. The previous version's processes neither read nor write them and
-- keep working while both versions run; until they are replaced they still see a tenant or
-- application the new version marked deleted, and a deletion they make deletes in one go.
ALTER TABLE "tenants" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "applications_deleted_idx" ON "applications" USING btree ("deleted_at") WHERE "applications"."deleted_at" is not null;